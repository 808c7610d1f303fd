/**
 * Handler test harness: `fakeAdapters()` (a real table on dynalite; recording fakes for the stream, the notifier,
 * the consumer and the measurements, counters kept in memory) handed to the same `compose()` as AWS and local mode.
 */
import { supportedLanguages } from "@livetranslate/core/domain/languages";
import { listenerAuthorizer } from "@livetranslate/core/adapters/aws/iot";
import { memoryLog } from "@livetranslate/core/log";
import { memoryMeasurements } from "@livetranslate/core/adapters/memory";
import type { BroadcastChannel, IngestRecord, Measurements } from "@livetranslate/core/ports";
import type { ListenerReport, ServerMessage } from "@livetranslate/core/protocol";
import { RecordingNotifier } from "@livetranslate/testing/fakes";
import { startTestTable } from "@livetranslate/testing/table";
import type { Adapters } from "../adapters.ts";
import { compose } from "../composition.ts";
import { MAX_LISTENERS_PER_SESSION } from "../deployment.ts";

export { kinesisEvent, webSocketEvent } from "./events.ts";

/** Engines are never reached by the handlers under test (the consumer is a fake): using one is a test bug. */
const unused = (name: string) =>
  new Proxy({}, {
    get: (_target, prop) => {
      throw new Error(`the ${name} is not part of the handler tests (read ${String(prop)})`);
    },
  }) as never;

/**
 * What GET /languages answers in these tests, decided as in AWS and local mode: three voiced targets and
 * Galician, translated but without a voice (captions only).
 */
const languages = supportedLanguages({
  recognizer: { languages: ["en"] },
  translator: { pairs: ["es", "fr", "gl", "it"].map((target) => ({ source: "en", target })) },
  synthesizer: { languages: ["en", "es", "fr", "it"] },
});

export async function fakeAdapters() {
  const dynamo = await startTestTable();
  const notifier = new RecordingNotifier();
  const published: { channel: BroadcastChannel; message: ServerMessage }[] = [];
  const ingested: IngestRecord[] = [];
  const consumed: { sessionId: string; records: readonly IngestRecord[] }[] = [];
  const reports: ListenerReport[] = [];
  const failingSessions = new Set<string>();
  let flushes = 0;
  const log = memoryLog();
  const counters = memoryMeasurements();
  const measurements: Measurements = {
    ...counters,
    audioDownloads: (report) => void reports.push(report),
    flush: () => void flushes++,
  };
  const adapters: Adapters = {
    db: dynamo.db,
    ingest: { put: async (record) => void ingested.push(record) },
    notifier,
    broadcast: { publish: async (channel, message) => void published.push({ channel, message }) },
    broadcastBroker: { url: "ws://broker.test/mqtt", topicPrefix: "livetranslate/test" },
    listenerAuthorizer: listenerAuthorizer(dynamo.db, "livetranslate/test"),
    replay: unused("stream replay"),
    recognizer: unused("recognizer"),
    translator: unused("translator"),
    synthesizer: unused("synthesizer"),
    audioStore: unused("audio store"),
    consumer: {
      async consumeSession(sessionId, records) {
        if (failingSessions.has(sessionId)) throw new Error(`DynamoDB unavailable for ${sessionId}`);
        consumed.push({ sessionId, records });
      },
      close() {},
    },
    languages: () => languages,
    limits: { maxListenersPerSession: MAX_LISTENERS_PER_SESSION },
    measurements,
    log,
  };
  return {
    adapters,
    posted: notifier.sent,
    published,
    ingested,
    consumed,
    reports,
    failingSessions,
    flushes: () => flushes,
    /** Counters the handlers recorded (`count`). */
    counters,
    log,
    close: () => dynamo.close(),
  };
}

export async function startHarness() {
  const fakes = await fakeAdapters();
  return { ...fakes, handlers: compose(fakes.adapters) };
}

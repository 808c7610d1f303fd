/**
 * Faults under Lambda's scheduling: local mode in this process with the real local engines, the consumer in 4
 * execution environments with random routing. Each test injects one fault while a speaker talks, then checks
 * that every segment reached every listener exactly once per language (caption, translation, audio), the speaker
 * got each final caption once (and, where a listener takes parts, each part once, saying together what the segment
 * says), and the fault left a log line and a metric.
 */
import { FaultInjector, awsError, throttled } from "@livetranslate/testing/faults";
import { closeEngines, detectLocalEngines, type Engines } from "@livetranslate/core/adapters/engines";
import { memoryLog } from "@livetranslate/core/log";
import type { ProbePoint } from "@livetranslate/core/streaming/pipeline";
import type { CreateSessionResponse, ServerMessage } from "@livetranslate/core/protocol";
import { assembleTalk, chunksOf, englishClips } from "@livetranslate/testing/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentKilledError } from "../event-source/environments.ts";
import { type LocalMode, startLocal } from "../server.ts";
import { ProtocolClient } from "../testing/client.ts";

const LANGUAGES = ["es", "fr"] as const;
const SPEED = 2;
const talk = assembleTalk([englishClips()[1]!, englishClips()[3]!], 1000);

describe("faults, each ending with every segment delivered exactly once per listener language", () => {
  let local: LocalMode;
  let engines: Engines;
  const log = memoryLog();
  const injector = new FaultInjector();
  const faults = { recognizerWrites: 0, translations: 0 };
  let kill: { point: ProbePoint; part?: string; recipients?: RegExp; fired: boolean } | undefined;

  beforeAll(async () => {
    const detected = await detectLocalEngines();
    if (!detected.recognizer || !detected.translator || !detected.synthesizer) throw new Error(detected.problems.join("; "));
    const real = { recognizer: detected.recognizer, translator: detected.translator, synthesizer: detected.synthesizer };
    engines = real;
    local = await startLocal({
      port: 0,
      log,
      consumerEnvironments: 4,
      routing: "random",
      seed: 11,
      decorateClient: (client) => injector.install(client),
      engines: {
        recognizer: {
          languages: real.recognizer.languages,
          startStream(language) {
            const stream = real.recognizer.startStream(language);
            return {
              async write(pcm) {
                if (faults.recognizerWrites > 0) {
                  faults.recognizerWrites--;
                  throw new Error("recognizer stream broke (injected)");
                }
                return stream.write(pcm);
              },
              endSegment: (endSample) => stream.endSegment(endSample),
              pause: () => stream.pause(),
              phraseWords: () => stream.phraseWords(),
              end: () => stream.end(),
              abort: () => stream.abort(),
            };
          },
        },
        translator: {
          pairs: real.translator.pairs,
          async translate(text, source, target) {
            if (faults.translations > 0) {
              faults.translations--;
              throw new Error("translator crashed (injected)");
            }
            return real.translator.translate(text, source, target);
          },
        },
        synthesizer: real.synthesizer,
      },
      probe: (slot) => (point, detail) => {
        if (!kill || kill.fired || kill.point !== point || (kill.part && kill.part !== detail.part)) return;
        if (kill.recipients && !kill.recipients.test(detail.recipients ?? "")) return;
        kill.fired = true;
        local.environments.kill(slot, `killed at ${point}`);
        throw new EnvironmentKilledError(`environment ${slot} killed at ${point}`);
      },
    });
  });
  afterAll(async () => {
    await local?.close();
    await closeEngines(engines);
  });

  /**
   * One session: listeners in es and fr (and, with `partsListener`, one in es taking segments in parts), a speaker
   * playing the talk (faster than real time), then silence.
   */
  async function speak(options: { delayChunk?: number; partsListener?: boolean; endBeforeBacklog?: number } = {}) {
    const response = await fetch(`${local.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sourceLanguage: "en", targetLanguages: [...LANGUAGES] }),
    });
    const session = (await response.json()) as CreateSessionResponse;
    const listeners = await Promise.all(
      LANGUAGES.map((language) => ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language })),
    );
    const parts = options.partsListener
      ? await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: session.sessionId, language: "es", parts: "1" })
      : undefined;
    const speaker = await ProtocolClient.connect(local.wsUrl, { role: "speaker", sessionId: session.sessionId, token: session.speakerToken });
    const chunks = [...chunksOf(talk.pcm, 100), ...chunksOf(new Int16Array(16_000 * 1.5), 100)];
    const pace = 100 / SPEED;
    const startAt = Date.now();
    const late: Promise<void>[] = [];
    // Ending while reconnecting: the last chunks are held back (the connection is down), then the end, saying the last
    // chunk index, and the backlog go out at once, the end first.
    const live = chunks.length - (options.endBeforeBacklog ?? 0);
    for (let index = 0; index < chunks.length; index++) {
      const capturedAt = startAt + index * pace;
      if (index >= live) continue;
      const wait = capturedAt + pace - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const send = () => speaker.sendChunk(session.sessionId, index, chunks[index]!, capturedAt);
      if (index === options.delayChunk) late.push(new Promise((r) => setTimeout(r, 1000)).then(send));
      else send();
    }
    await Promise.all(late);
    if (options.endBeforeBacklog) {
      speaker.send({ action: "endSession", sessionId: session.sessionId, lastChunkIndex: chunks.length - 1 });
      for (let index = live; index < chunks.length; index++) speaker.sendChunk(session.sessionId, index, chunks[index]!, startAt + index * pace);
      for (const listener of listeners) await listener.waitFor(() => listener.messages("sessionEnded").length > 0, 60_000, "the session's end");
    }
    const everyone = [speaker, ...listeners];
    const segments = () => new Set(everyone.flatMap((c) => c.messages("transcript").filter((t) => t.isFinal).map((t) => t.segmentId)));
    // Delivered: every segment anyone has a caption of has its audio at every listener.
    for (const listener of listeners) {
      await listener.waitFor(
        () => segments().size >= talk.utterances.length && [...segments()].every((id) => listener.messages("translatedAudio").some((a) => a.segmentId === id)),
        90_000,
        "every segment's audio",
      );
    }
    // The parts listener: each segment's parts say what the segment says, each with its audio.
    const whole = listeners[0]!;
    const partsSay = (id: string) => {
      const its = parts!.messages("transcript").filter((t) => t.isFinal && t.segmentId === id);
      return [...new Map(its.map((t) => [t.part, t.text])).entries()].sort(([a], [b]) => a! - b!).map(([, text]) => text).join(" ");
    };
    if (parts) {
      await parts.waitFor(
        () => [...segments()].every((id) => partsSay(id) === whole.messages("transcript").find((t) => t.isFinal && t.segmentId === id)?.text),
        45_000,
        "every segment's parts",
      ).catch((error: unknown) => {
        for (const id of segments()) console.info(id, JSON.stringify(partsSay(id)), JSON.stringify(whole.messages("transcript").find((t) => t.isFinal && t.segmentId === id)?.text));
        throw error;
      });
    }
    // Anything sent twice would arrive within moments.
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all([...everyone, ...(parts ? [parts] : [])].map((c) => c.close()));
    const lastEndMs = Math.max(...whole.messages("transcript").filter((t) => t.isFinal).map((t) => t.endMs));
    return { speaker, listeners, parts, segments: segments(), lastEndMs };
  }

  function expectExactlyOnce(run: Awaited<ReturnType<typeof speak>>) {
    expect(run.segments.size).toBeGreaterThanOrEqual(talk.utterances.length);
    const count = (client: ProtocolClient, type: ServerMessage["type"]) => {
      const ids = client.received
        .map((r) => r.message)
        .filter((m) => m.type === type && (m.type !== "transcript" || m.isFinal))
        .map((m) => (m as { segmentId: string }).segmentId);
      return [...run.segments].map((id) => ids.filter((x) => x === id).length);
    };
    const once = [...run.segments].map(() => 1);
    LANGUAGES.forEach((language, i) => {
      const listener = run.listeners[i]!;
      for (const type of ["transcript", "translation", "translatedAudio"] as const) {
        expect(count(listener, type), `${type} per segment in ${language}`).toEqual(once);
      }
      expect(listener.messages("translatedAudio").every((a) => a.targetLanguage === language)).toBe(true);
    });
    expect(count(run.speaker, "transcript"), "final captions at the speaker").toEqual(once);
    if (!run.parts) return;
    // Each part once, with its translation and audio, numbered 0, 1, ... within its segment.
    const keys = (type: ServerMessage["type"]) =>
      run.parts!.received
        .map((r) => r.message)
        .filter((m) => m.type === type && (m.type !== "transcript" || m.isFinal))
        .map((m) => `${(m as { segmentId: string }).segmentId}#${(m as { part?: number }).part}`)
        .sort();
    const captions = keys("transcript");
    expect(new Set(captions).size, "part captions once each").toBe(captions.length);
    expect(keys("translation"), "a translation per part").toEqual(captions);
    expect(keys("translatedAudio"), "audio per part").toEqual(captions);
    for (const id of run.segments) {
      const numbers = captions.filter((k) => k.startsWith(`${id}#`)).map((k) => Number(k.split("#")[1])).sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, i) => i));
    }
  }

  async function withFault(
    arm: () => void,
    expectSeen: (entries: typeof log.entries, metric: (name: string) => number) => void,
    options = {},
    seen: (run: Awaited<ReturnType<typeof speak>>) => void = () => undefined,
  ) {
    const from = log.entries.length;
    const before = new Map(local.measurements.counts);
    arm();
    try {
      const run = await speak(options);
      seen(run);
      expectExactlyOnce(run);
      expectSeen(log.entries.slice(from), (name) => local.measurements.get(name) - (before.get(name) ?? 0));
    } finally {
      injector.clear();
      kill = undefined;
      faults.recognizerWrites = 0;
      faults.translations = 0;
    }
  }

  const has = (entries: typeof log.entries, event: string, match: Record<string, unknown> = {}) =>
    entries.some((e) => e.event === event && Object.entries(match).every(([k, v]) => e[k] === v));

  it("an environment killed after claiming a delivery, before notifying", { timeout: 180_000 }, async () => {
    await withFault(
      () => (kill = { point: "delivery.claimed", part: "translation", fired: false }),
      (entries, metric) => {
        expect(kill?.fired ?? true).toBe(true);
        expect(has(entries, "event_source.environment_killed", { midBatch: true })).toBe(true);
        expect(has(entries, "delivery.retried", { part: "translation" })).toBe(true);
        expect(metric("EnvironmentsKilled")).toBe(1);
        expect(metric("DeliveriesRetried")).toBeGreaterThanOrEqual(1);
      },
    );
  });

  it("an environment killed after transcribing, before the checkpoint", { timeout: 180_000 }, async () => {
    await withFault(
      () => (kill = { point: "segment.transcribed", fired: false }),
      (entries, metric) => {
        expect(has(entries, "event_source.environment_killed", { midBatch: true })).toBe(true);
        expect(has(entries, "consumer.replayed")).toBe(true);
        expect(metric("EnvironmentsKilled")).toBe(1);
      },
    );
  });

  it("the recognizer throws once", { timeout: 180_000 }, async () => {
    await withFault(
      () => (faults.recognizerWrites = 1),
      (entries, metric) => {
        // A live stream falls back to transcribing the segment whole; a whole transcription fails the batch, retried.
        expect(has(entries, "recognition.failed")).toBe(true);
        expect(metric("RecognizerFailures")).toBe(1);
      },
    );
  });

  it("the translator throws once", { timeout: 180_000 }, async () => {
    await withFault(
      () => (faults.translations = 1),
      (entries, metric) => {
        expect(has(entries, "segment.language_failed", { part: "translation" })).toBe(true);
        expect(metric("DeliveryFailures")).toBe(1);
        expect(metric("SessionBatchFailures")).toBeGreaterThanOrEqual(1);
      },
    );
  });

  it("the S3 put fails once (every attempt of one request)", { timeout: 180_000 }, async () => {
    await withFault(
      // The Spanish audio's request fails on each of the SDK's 3 attempts; the French one goes through.
      () =>
        injector.arm({
          service: "S3Client",
          operation: "PutObjectCommand",
          input: (input) => String(input.Key).includes("/translated/es/"),
          times: 3,
          error: () => awsError("InternalError", 500),
        }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { operation: "PutObjectCommand", errorName: "InternalError" })).toBe(true);
        expect(has(entries, "segment.language_failed", { part: "audio" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBe(3);
        expect(metric("DeliveryFailures")).toBe(1);
      },
    );
  });

  it("PostToConnection throttled", { timeout: 180_000 }, async () => {
    await withFault(
      () => injector.arm({ operation: "PostToConnectionCommand", after: 5, times: 2, error: throttled("LimitExceededException", 429) }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { operation: "PostToConnectionCommand", errorName: "LimitExceededException" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBeGreaterThanOrEqual(2);
      },
    );
  });

  it("DynamoDB throttled", { timeout: 180_000 }, async () => {
    await withFault(
      () => injector.arm({ service: "DynamoDBClient", operation: "PutItemCommand", after: 10, times: 4, error: throttled("ProvisionedThroughputExceededException") }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { service: "DynamoDBClient", errorName: "ProvisionedThroughputExceededException" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBe(4);
      },
    );
  });

  it("Kinesis PutRecord throttled", { timeout: 180_000 }, async () => {
    await withFault(
      () => injector.arm({ operation: "PutRecordCommand", after: 20, times: 2, error: throttled("ProvisionedThroughputExceededException") }),
      (entries, metric) => {
        expect(has(entries, "aws.attempt_failed", { operation: "PutRecordCommand", errorName: "ProvisionedThroughputExceededException" })).toBe(true);
        expect(metric("AwsAttemptsFailed")).toBe(2);
      },
    );
  });

  it("a batch retried after a part went out: the environment killed claiming the segment's next part", { timeout: 180_000 }, async () => {
    await withFault(
      () => (kill = { point: "delivery.claimed", recipients: /#part1$/, part: "caption", fired: false }),
      (entries, metric) => {
        expect(kill?.fired ?? true).toBe(true);
        expect(has(entries, "event_source.environment_killed", { midBatch: true })).toBe(true);
        expect(metric("EnvironmentsKilled")).toBe(1);
      },
      { partsListener: true },
    );
  });

  it("an end during a reconnect, sent before the backlog's last 3 seconds", { timeout: 180_000 }, async () => {
    let lastEndMs = 0;
    await withFault(
      () => {},
      (entries) => {
        // Whichever of the end and the backlog reaches the stream first (the end waits for the backlog when it is
        // first), the last utterance was heard to its end, from chunks that reached the stream after the end.
        expect(lastEndMs).toBeGreaterThanOrEqual(talk.utterances.at(-1)!.voicedEndMs - 500);
        expect(has(entries, "consumer.end_without_chunks")).toBe(false);
      },
      { endBeforeBacklog: 30 },
      (run) => (lastEndMs = run.lastEndMs),
    );
  });

  it("a chunk delayed by a second", { timeout: 180_000 }, async () => {
    await withFault(
      () => {},
      (entries, metric) => {
        expect(has(entries, "consumer.chunks_reordered")).toBe(true);
        expect(metric("ChunksReordered")).toBeGreaterThanOrEqual(10);
        expect(metric("ChunksSkipped")).toBe(0);
      },
      { delayChunk: 30 },
    );
  });
});

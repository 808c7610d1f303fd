/**
 * The metered run: one session as the listener app uses it (listeners join by broadcast, renew their passes and
 * take each part from the broker), with the real engines, every AWS request counted, under sticky and random
 * routing: the counts the capacity plan (`pnpm capacity`) scales from.
 */
import type { MeteredRun } from "@livetranslate/core/domain/capacity";
import { memoryLog } from "@livetranslate/core/log";
import type { SegmentResult } from "@livetranslate/core/streaming/pipeline";
import { assembleTalk } from "@livetranslate/testing/fixtures";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import type { Routing } from "../../event-source/environments.ts";
import { newRequestCounts, tableRequestsSince } from "../../metering.ts";
import { startLocal } from "../../server.ts";
import { BroadcastClient } from "../../testing/broadcast-client.ts";
import { clipsFor, playTalk } from "./talk.ts";

/** Listeners of the metered session: two languages, two listeners each, all by broadcast. */
const METERED_LISTENERS = ["es", "fr", "es", "fr"];
/**
 * The talk is played at half speed: on 2 shared cores the real engines then keep up, so the consumer gets a batch
 * per chunk as Lambda would, not the fewer, larger batches (and shed speech) of a machine behind real time. Rates are
 * per second of the talk's audio either way; what runs per wall second (statuses) is counted twice as often.
 */
const METERED_SPEED = 0.5;

/** One session played through local mode with every AWS request counted. */
export async function metered(routing: Routing, sentences: number, voiceActivity?: VoiceActivityDetector): Promise<MeteredRun & { note: string; overloadEntered: number }> {
  const counts = newRequestCounts();
  const results: SegmentResult[] = [];
  const log = memoryLog();
  const local = await startLocal({ port: 0, log, requestCounts: counts, consumerEnvironments: 4, routing, seed: 1, voiceActivity, onSegment: (_, result) => results.push(result) });
  const talk = assembleTalk(clipsFor(sentences), 1000);
  const listeners: BroadcastClient[] = [];
  const listening = { from: 0, to: 0 };
  // The table requests of the joins and of the leaves, apart: once per listener, not per second it listens.
  const phases = { joins: {}, leaves: {} } as Record<"joins" | "leaves", ReturnType<typeof tableRequestsSince>>;
  try {
    await playTalk(local, talk, {
      targetLanguages: ["es", "fr"],
      listeners: [],
      speed: METERED_SPEED,
      beforeTalk: async (sessionId) => {
        listening.from = Date.now();
        const before = structuredClone(counts.table);
        for (const language of METERED_LISTENERS) listeners.push(await BroadcastClient.join(local.url, sessionId, language));
        phases.joins = tableRequestsSince(before, counts);
        for (const listener of listeners) listener.keepPresent();
      },
    });
    const before = structuredClone(counts.table);
    await Promise.all(listeners.map((l) => l.leave()));
    phases.leaves = tableRequestsSince(before, counts);
    listening.to = Date.now();
  } finally {
    await Promise.all(listeners.map((l) => l.close()));
    // Streams still open in environments that lost the session end at close (Transcribe ends them 15 s after their
    // last audio): their billed seconds are known only then.
    await local.close();
  }
  const m = local.measurements;
  const shed = m.get("OverloadEntered");
  const batchMs = log.entries.filter((e) => e.event === "consumer.batch_done").map((e) => Number(e.totalMs));
  const parts = results.filter((r) => r.part);
  const partAudio = parts.flatMap((r) => r.languages.map((l) => l.durationSeconds ?? 0));
  return {
    routing,
    note: `${talk.utterances.length} fixture sentences at ${METERED_SPEED}x real time; ${METERED_LISTENERS.length} listeners by broadcast in ${new Set(METERED_LISTENERS).size} languages; 4 execution environments, ${routing} routing`,
    audioSeconds: Number((talk.pcm.length / 16_000).toFixed(1)),
    // Behind real time the consumer sheds parts and speech: such a run under-counts them (0 means a faithful run).
    overloadEntered: shed,
    listeners: METERED_LISTENERS.length,
    languages: new Set(METERED_LISTENERS).size,
    batches: m.get("CheckpointWrites"),
    parts: parts.length,
    segments: results.length - parts.length,
    consumerBatchMs: Number((batchMs.reduce((a, b) => a + b, 0) / Math.max(1, batchMs.length)).toFixed(1)),
    recognizer: {
      requests: m.get("RecognizerRequests"),
      billedSeconds: m.get("RecognizerBilledSeconds"),
      audioSeconds: Number(m.get("RecognizerAudioSeconds").toFixed(1)),
      maxOpenStreams: counts.recognizerMaxOpen,
    },
    requests: {
      kinesisPuts: counts.kinesisPuts,
      kinesisBytes: counts.kinesisBytes,
      postToConnection: counts.postToConnection,
      posts: counts.posts,
      s3Puts: counts.s3Puts,
      translations: counts.translations,
      translatedChars: counts.translatedChars,
      syntheses: counts.syntheses,
      synthesizedChars: counts.synthesizedChars,
      table: counts.table,
    },
    broadcast: {
      listenedSeconds: Number(((listening.to - listening.from) / 1000).toFixed(1)),
      publishes: counts.publishes,
      partsReceived: listeners.reduce((n, l) => n + l.messages("part").length, 0),
      httpRequests: counts.httpRequests,
      joinTable: phases.joins,
      leaveTable: phases.leaves,
    },
    // Polly's MP3 at 48 kbit/s for the same speech (local mode stores WAV).
    mp3BytesPerPart: Math.round((partAudio.reduce((a, b) => a + b, 0) / Math.max(1, partAudio.length)) * 6000),
  };
}

/**
 * Several sessions at once under AWS's quotas scaled down to this machine (`LIVETRANSLATE_QUOTAS=aws` with
 * overrides), with listeners on the WebSocket and by broadcast: throttles met, and what a listener lost or got twice.
 */
import { memoryLog } from "@livetranslate/core/log";
import { assembleTalk } from "@livetranslate/testing/fixtures";
import { awsDefaultQuotas, type QuotaSettings } from "../../quotas.ts";
import { startLocal } from "../../server.ts";
import { BroadcastClient } from "../../testing/broadcast-client.ts";
import { clipsFor, closeAll, playTalk } from "./talk.ts";

export interface QuotaScenarioOptions {
  sessions: number;
  listenersPerSession: number;
  /** Listeners by broadcast in each session besides, one language each in turn. */
  broadcastListenersPerSession: number;
  sentences: number;
  quotas: Partial<QuotaSettings>;
}

/**
 * Several sessions at once under scaled quotas (random routing, as Lambda may run them): what each listener got
 * against what the pipeline delivered, and the counters of throttles met and parts degraded. A listener by broadcast
 * gets a part whose own publish was refused past its budget carried by its channel's next publish (counted): it
 * misses only what could not even be kept, or what an end refused too carried (both counted).
 */
export async function underQuotas(options: QuotaScenarioOptions) {
  const quotas = { ...awsDefaultQuotas(), ...options.quotas };
  const log = memoryLog();
  const local = await startLocal({ port: 0, log, consumerEnvironments: 4, routing: "random", seed: 1, quotas });
  const languages = ["es", "fr"];
  const broadcastListeners: { sessionId: string; client: BroadcastClient }[] = [];
  try {
    const started = Date.now();
    const runs = await Promise.all(
      Array.from({ length: options.sessions }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 300));
        const talk = assembleTalk(clipsFor(options.sentences, i * 3), 1000);
        const listeners = Array.from({ length: options.listenersPerSession }, (_, j) => languages[j % languages.length]!);
        return playTalk(local, talk, {
          targetLanguages: languages,
          listeners,
          parts: true,
          beforeTalk: async (sessionId) => {
            for (let j = 0; j < options.broadcastListenersPerSession; j++) {
              const client = await BroadcastClient.join(local.url, sessionId, languages[j % languages.length]!);
              client.keepPresent();
              broadcastListeners.push({ sessionId, client });
            }
          },
        });
      }),
    );
    // Give the last parts time to reach everyone before counting; a listener by broadcast may get the last of them
    // carried by the session's end, which waits longer for the publish quota (a missing end is no failure here).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await Promise.all(broadcastListeners.map(({ client }) => client.waitFor(() => client.messages("sessionEnded").length > 0, 60_000, "sessionEnded").catch(() => undefined)));
    const m = local.measurements;
    let captionsLost = 0;
    let messagesTwice = 0;
    let captionsExpected = 0;
    let partsExpected = 0;
    let partsMissed = 0;
    let partsTwice = 0;
    for (const run of runs) {
      // Every part's caption, as any listener of the session got it: all of them should have all of them.
      const parts = new Set(run.listeners.flatMap((l) => l.messages("transcript").map((t) => `${t.segmentId}#${t.part}`)));
      for (const listener of run.listeners) {
        const seen = listener.received.map((r) => r.message).filter((msg) => msg.type === "transcript" || msg.type === "translation" || msg.type === "translatedAudio");
        const keys = seen.map((msg) => `${msg.type} ${(msg as { segmentId: string }).segmentId}#${(msg as { part?: number }).part}`);
        messagesTwice += keys.length - new Set(keys).size;
        const captions = new Set(listener.messages("transcript").map((t) => `${t.segmentId}#${t.part}`));
        captionsExpected += parts.size;
        captionsLost += [...parts].filter((p) => !captions.has(p)).length;
      }
      // A part message is the part's caption for a listener by broadcast.
      for (const { client } of broadcastListeners.filter((b) => b.sessionId === run.sessionId)) {
        const got = client.messages("part").map((m) => `${m.segmentId}#${m.part}`);
        partsTwice += got.length - new Set(got).size;
        partsExpected += parts.size;
        partsMissed += [...parts].filter((p) => !got.includes(p)).length;
      }
      await closeAll(run.listeners);
    }
    const publishesDropped: Record<string, number> = {};
    for (const e of log.entries) if (e.event === "quota.publish_dropped") publishesDropped[String(e.type)] = (publishesDropped[String(e.type)] ?? 0) + 1;
    const throttled = log.entries.filter((e) => e.event === "aws.attempt_failed" || e.event === "quota.degraded" || e.event === "quota.post_dropped" || e.event === "quota.publish_dropped").length;
    return {
      sessions: options.sessions,
      listeners_per_session: options.listenersPerSession,
      languages,
      sentences_per_session: options.sentences,
      routing: "random over 4 execution environments",
      quotas,
      wall_seconds: Math.round((Date.now() - started) / 1000),
      captions_expected: captionsExpected,
      captions_lost: captionsLost,
      messages_twice: messagesTwice,
      broadcast_listeners_per_session: options.broadcastListenersPerSession,
      broadcast_parts_expected: partsExpected,
      broadcast_parts_missed: partsMissed,
      broadcast_parts_twice: partsTwice,
      counters: {
        quota_retries: m.get("QuotaRetries"),
        degradations: m.get("QuotaDegradations"),
        audio_to_standard_voice: m.get("AudioDegradedToStandardVoice"),
        audio_to_captions_only: m.get("AudioDegradedToCaptions"),
        translations_to_captions_only: m.get("TranslationsDegradedToCaptions"),
        posts_dropped: m.get("PostsDropped"),
        publishes_throttled: m.get("PublishesThrottled"),
        publishes_dropped: m.get("PublishesDropped"),
        publishes_carried: m.get("PublishesCarried"),
        parts_carried: m.get("PartsCarried"),
        carried_parts_lost: m.get("CarriedPartsLost"),
        publishes_dropped_by_type: publishesDropped,
        captions_dropped: m.get("CaptionsDropped"),
        batches_retried: m.get("BatchesRetried"),
        stream_replays: m.get("StreamReplays"),
        recognizer_replays: m.get("RecognizerReplays"),
        recognizer_requests: m.get("RecognizerRequests"),
        deliveries_retried: m.get("DeliveriesRetried"),
      },
      quota_log_lines: throttled,
      note: "stream_replays and recognizer_replays come from random routing (a batch in an environment that did not have the session), batches_retried is what a throttle would cause: 0 means none did; publishes_throttled counts throttled attempts (retried or given up), publishes_dropped the messages given up for a language's listeners by broadcast (by type: a part's is its caption, which broadcast_parts_missed should not exceed; sessionEnded's is also learnt at the next renewal); publishes_carried the parts whose own publish was refused past its budget and kept, parts_carried those that went out with a later publish of their channel (counted received by broadcast listeners), carried_parts_lost those whose channel's end was refused too",
    };
  } finally {
    await Promise.all(broadcastListeners.map(({ client }) => client.close()));
    await local.close();
  }
}

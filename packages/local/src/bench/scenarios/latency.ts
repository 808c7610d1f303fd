/**
 * Latency with the real local engines: a talk played in real time to two listener languages, from the end of each
 * sentence's voiced speech to what the first listener gets, under sticky and random routing, whole segments and
 * parts; and the AWS usage of the sticky run, priced.
 */
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import { stageDurations } from "@livetranslate/core/streaming/pipeline";
import { assembleTalk } from "@livetranslate/testing/fixtures";
import type { Routing } from "../../event-source/environments.ts";
import type { LocalMode } from "../../server.ts";
import type { VoiceActivitySetting } from "../../voice-activity.ts";
import { type Harness, harness, type Step } from "../harness.ts";
import { summarize, weightedWordErrorRate } from "../stats.ts";
import { cost, type SessionUsage } from "./cost.ts";
import { clipsFor, closeAll, playTalk, type UtteranceLatency } from "./talk.ts";

export interface LatencySettings {
  quick: boolean;
  vad: VoiceActivitySetting;
  /** Loaded once: the talks' segmenters share it (as local mode's environments do). */
  voiceActivity?: VoiceActivityDetector;
}

/** Sentences this long or shorter are reported apart: the segmenter closes longer ones on shorter pauses. */
const SHORT_SENTENCE_S = 3;

/** What the consumer's checkpoint and recognizer cost, from local mode's counters. */
function consumerCosts(local: LocalMode) {
  const m = local.measurements;
  const writes = Math.max(1, m.get("CheckpointWrites"));
  return {
    checkpoint_writes: m.get("CheckpointWrites"),
    checkpoint_bytes_per_batch: Math.round(m.get("CheckpointBytes") / writes),
    checkpoint_write_units_per_batch: Number((m.get("CheckpointWriteUnits") / writes).toFixed(2)),
    stream_replays: m.get("StreamReplays"),
    recognizer_requests: m.get("RecognizerRequests"),
    recognizer_audio_seconds: Number(m.get("RecognizerAudioSeconds").toFixed(1)),
    recognizer_billed_seconds: m.get("RecognizerBilledSeconds"),
  };
}


/**
 * Word error rate through the whole system: what the first listener got as the source text of each sentence whose
 * transcript is known, against that transcript, weighted by words.
 */
function systemWordErrorRate(utterances: UtteranceLatency[]): { percent: number; words: number } | undefined {
  return weightedWordErrorRate(utterances.flatMap((u) => (u.reference && u.heard !== undefined ? [{ reference: u.reference, heard: u.heard }] : [])));
}

/** Cuts inside sentences (a sentence in three segments counts two) per 100 sentences, as delivered to a listener. */
function splitsPer100(utterances: UtteranceLatency[]): number | undefined {
  const counted = utterances.filter((u) => u.segments !== undefined);
  if (counted.length === 0) return undefined;
  return Number(((100 * counted.reduce((n, u) => n + Math.max(0, u.segments! - 1), 0)) / counted.length).toFixed(1));
}

/** With listeners that take parts: boundaries between parts inside a sentence's segments, per 100 sentences. */
function partBoundariesPer100(utterances: UtteranceLatency[]): number | undefined {
  const counted = utterances.filter((u) => u.parts !== undefined && u.segments !== undefined);
  if (counted.length === 0) return undefined;
  return Number(((100 * counted.reduce((n, u) => n + Math.max(0, u.parts! - u.segments!), 0)) / counted.length).toFixed(1));
}

const seconds = (values: (number | undefined)[]) => summarize(values.filter((v): v is number => v !== undefined));

async function latency(settings: LatencySettings, routing: Routing = "random", parts = false) {
  const h = await harness(undefined, routing, settings.voiceActivity);
  let run: Awaited<ReturnType<typeof latencyRun>>;
  try {
    run = await latencyRun(h, settings, routing, parts);
  } finally {
    // Recognizer streams still open in environments that lost the session end when local mode closes (in AWS,
    // Transcribe ends them 15 s after their last audio): their audio and billed seconds are known only then.
    await h.local.close();
  }
  run.figures.consumer = consumerCosts(h.local);
  run.usage.recognizerBilledSeconds = h.local.measurements.get("RecognizerBilledSeconds");
  return run;
}

/**
 * The three slowest captions and where their time went: from the end of the voice to the event that committed the
 * words (a pause, a clause boundary, the segment's close), the words made final, and the rest to the listener.
 */
export function slowestCaptions(utterances: UtteranceLatency[], segments: Harness["segments"]) {
  return utterances
    .filter((u) => u.caption !== undefined)
    .sort((a, b) => b.caption! - a.caption!)
    .slice(0, 3)
    .map((u) => {
      const found = segments.find((s) => s.result.segmentId === u.last?.segmentId && s.result.part?.index === u.last?.part);
      const d = found ? stageDurations(found.result.times) : undefined;
      const eventMs = d?.segmenterWait;
      const wordsMs = d?.asr;
      return {
        caption_s: u.caption,
        committed_at: found?.result.part?.committedAt ?? "segment",
        voice_end_to_event_ms: eventMs,
        words_final_ms: wordsMs,
        to_listener_ms: eventMs !== undefined && wordsMs !== undefined ? Math.round(u.caption! * 1000 - eventMs - wordsMs) : undefined,
        // Every delivery of its segment (whole, and parts in order), to see what came before the slow one.
        segment: segments
          .filter((s) => s.result.segmentId === u.last?.segmentId)
          .map(({ result }) => {
            const t = stageDurations(result.times);
            return { part: result.part?.index, committed_at: result.part?.committedAt, words: result.text.split(" ").length, to_commit_ms: t.segmenterWait, words_final_ms: t.asr, total_ms: t.total };
          }),
      };
    });
}

async function latencyRun(h: Harness, { quick, vad }: LatencySettings, routing: Routing, parts: boolean) {
  const talk = assembleTalk(clipsFor(quick ? 3 : 20), 1000);
  const run = await playTalk(h.local, talk, { targetLanguages: ["es", "fr"], listeners: ["es", "fr"], fetchAudio: true, parts });
  await closeAll(run.listeners);
  // Stages of whole segments (a segment's parts are measured at the listener).
  const stages = h.segments.filter((s) => !s.result.part).map((s) => stageDurations(s.result.times));
  const partStages = h.segments.filter((s) => s.result.part).map((s) => stageDurations(s.result.times));
  const ms = (pick: (s: ReturnType<typeof stageDurations>) => number | undefined) => summarize(stages.map(pick).filter((v): v is number => v !== undefined), 0);
  const caption = seconds(run.utterances.map((u) => u.caption));
  const translation = seconds(run.utterances.map((u) => u.translation));
  const audio = seconds(run.utterances.map((u) => u.audioMessage));
  const fetched = seconds(run.utterances.map((u) => u.audioFetched));
  const byLength = (short: boolean) => {
    const group = run.utterances.filter((u) => (u.voicedSeconds <= SHORT_SENTENCE_S) === short);
    const pick = (f: (u: UtteranceLatency) => number | undefined) => seconds(group.map(f));
    const c = pick((u) => u.caption);
    const a = pick((u) => u.audioMessage);
    return { utterances: group.length, caption_p50_s: c.p50, caption_p95_s: c.p95, audio_p50_s: a.p50, audio_p95_s: a.p95 };
  };
  const audioSeconds = talk.pcm.length / 16_000;
  return {
    figures: {
      engines: "pocketsphinx + Apertium + eSpeak NG (local)",
      measured_from: "end of voiced speech (last 10 ms frame above -40 dBFS) to the first listener's message",
      routing: `${routing} over 4 execution environments`,
      listeners_take_parts: parts,
      speech_detection: vad === "silero" ? "Silero VAD (onnxruntime-node), 400 ms hangover" : "frame energy, 500 ms hangover",
      sentence_splits_per_100: splitsPer100(run.utterances),
      part_boundaries_per_100: parts ? partBoundariesPer100(run.utterances) : undefined,
      parts_delivered: parts ? partStages.length : undefined,
      // Committed inside a phrase, at a clause boundary its running hypothesis agreed on (the rest at pauses or closes).
      parts_at_clause: parts ? h.local.measurements.get("ClauseParts") : undefined,
      // Where a sentence's last part went out: at the pause (150 ms of silence) or when the segment closed (500 ms).
      last_part: parts
        ? Object.fromEntries(
            (["at_pause", "at_close"] as const).map((when) => {
              const group = run.utterances.filter((u) => u.lastPartAtClose === (when === "at_close"));
              const c = seconds(group.map((u) => u.caption));
              return [when, { utterances: group.length, caption_p50_s: c.p50, caption_p95_s: c.p95 }];
            }),
          )
        : undefined,
      // Per part, by what committed it: from the end of its speech (its last word's end, for a clause) to the commit,
      // the words final, and the part's last message.
      part_stages_ms: parts
        ? Object.fromEntries(
            (["pause", "clause", "close"] as const).map((kind) => {
              const group = h.segments.filter((s) => s.result.part?.committedAt === kind).map((s) => stageDurations(s.result.times));
              const pick = (f: (d: ReturnType<typeof stageDurations>) => number | undefined) => summarize(group.flatMap((d) => f(d) ?? []), 0);
              return [kind, { speech_end_to_commit: pick((d) => d.segmenterWait), words_final: pick((d) => d.asr), total: pick((d) => d.total) }];
            }),
          )
        : undefined,
      slowest_captions: slowestCaptions(run.utterances, h.segments),
      word_error_rate: systemWordErrorRate(run.utterances),
      ear_voice_span_mean_s: run.earVoiceSpans.length ? Number((run.earVoiceSpans.reduce((x, y) => x + y, 0) / run.earVoiceSpans.length).toFixed(2)) : undefined,
      ear_voice_span_note: "per translated clip at the first listener: from the mid-point of its segment's span in the talk to its message",
      utterances: talk.utterances.length,
      undelivered: run.utterances.filter((u) => u.audioMessage === undefined).length,
      talk_seconds: Number(audioSeconds.toFixed(1)),
      segments: h.segments.length,
      caption_p50_s: caption.p50,
      caption_p95_s: caption.p95,
      caption_max_s: caption.max,
      translation_p50_s: translation.p50,
      translation_p95_s: translation.p95,
      audio_p50_s: audio.p50,
      audio_p95_s: audio.p95,
      audio_max_s: audio.max,
      audio_fetched_p50_s: fetched.p50,
      audio_fetched_p95_s: fetched.p95,
      audio_fetched_note: "the first listener fetches each clip when its message arrives, while the talk runs",
      short_sentences: byLength(true),
      long_sentences: byLength(false),
      stages_ms: {
        segmenter_wait: ms((s) => s.segmenterWait),
        asr: ms((s) => s.asr),
        mt: ms((s) => s.mt),
        tts: ms((s) => s.tts),
        store: ms((s) => s.store),
        notify: ms((s) => s.notify),
        total: ms((s) => s.total),
      },
      consumer: undefined as ReturnType<typeof consumerCosts> | undefined,
    },
    usage: {
      audioSeconds,
      counts: { ...h.counts },
      segments: h.segments.length,
      sourceChars: h.segments.reduce((n, s) => n + s.result.text.length, 0),
      translatedChars: h.segments.reduce((n, s) => n + s.result.languages.reduce((m, l) => m + (l.text?.length ?? 0), 0), 0),
      languages: 2,
      listeners: 2,
      recognizerBilledSeconds: 0,
      checkpointWriteUnits: h.local.measurements.get("CheckpointWriteUnits"),
      mp3BytesPerSegment:
        (h.segments.reduce((n, s) => n + s.result.languages.reduce((m, l) => m + (l.durationSeconds ?? 0), 0), 0) / Math.max(1, h.segments.length * 2)) * 6000,
    },
  };
}

export async function latencyScenarios(results: Record<string, unknown>, step: Step, settings: LatencySettings) {
  const lat = await step("latency (real engines, random routing)", () => latency(settings, "random"));
  results.latency = lat.figures;
  const sticky = await step("latency (real engines, sticky routing)", () => latency(settings, "sticky"));
  const pick = (f: typeof lat.figures) => ({
    caption_p50_s: f.caption_p50_s,
    caption_p95_s: f.caption_p95_s,
    audio_p50_s: f.audio_p50_s,
    audio_p95_s: f.audio_p95_s,
    asr_p50_ms: f.stages_ms.asr.p50,
    ...f.consumer,
  });
  results.routing = { sticky: pick(sticky.figures), random: pick(lat.figures) };
  results.latency_parts = await step("latency (real engines, sticky routing, listeners take parts)", () => latencyParts(settings));
  results.latency_parts_random = await step("latency (real engines, random routing, listeners take parts)", () => latencyPartsRandom(settings));
  // Priced from the sticky run: Lambda mostly keeps a shard's batches in one environment (one recognizer stream per
  // segment); the random run's recognizer requests are under results.routing.
  results.aws = cost(sticky.usage);
}

/** What the listener app gets: segments in parts (simultaneous translation), as `pnpm start` routes them. */
export async function latencyParts(settings: LatencySettings) {
  return (await latency(settings, "sticky", true)).figures;
}

/** The same under random routing, as Lambda may run it: each batch in any of four execution environments. */
export async function latencyPartsRandom(settings: LatencySettings) {
  return (await latency(settings, "random", true)).figures;
}

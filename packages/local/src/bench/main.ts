/**
 * `pnpm bench`: latency with the real local engines, fan-out, scale, memory per idle listener, drift, overload
 * and a cost projection, with local mode running in this process. Prints a table and writes
 * bench/results/<date>-<cores>core.json (committed: the README's figures come from it), with the machine and a
 * calibration measured in the same run (a fixed CPU loop and pocketsphinx's real-time factor on a fixed clip),
 * so runs on machines 2-3x apart can be compared. `--quick` runs small sizes (the test suite's smoke test) and
 * writes test-artifacts/bench-quick.json. Load stays on loopback, bounded in count and time. No figure here is
 * asserted anywhere: this measures, it does not judge. `--vad silero` (or LIVETRANSLATE_VAD=silero) runs the
 * latency talks with the neural voice activity detector instead of the energy rule; the segmentation scenario
 * compares both on the same talk either way. `--only latency,overload` runs just those scenarios (see `only`;
 * `latency` includes the parts runs, `--only latency_parts` runs the sticky one alone, `--only latency_parts_random` the random one).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { memoryLog } from "@livetranslate/core/log";
import { SileroVoiceActivity } from "@livetranslate/core/adapters/vad";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import { Segmenter } from "@livetranslate/core/streaming/segmenter";
import { segmentTalk } from "@livetranslate/core/testing/sentence-splits";
import { type SegmentResult, stageDurations } from "@livetranslate/core/streaming/pipeline";
import { REFERENCE_CPU_LOOP_MS } from "@livetranslate/core/testing/calibration";
import { assembleTalk, englishClips, readWav, untranscribedClips, wordErrorRate } from "@livetranslate/core/testing/fixtures";
import { FINAL_PASS_ARGS, PocketsphinxRecognizer, SEARCH_ARGS } from "@livetranslate/core/adapters/engines";
import { calibration } from "./calibration.ts";
import { metered, underQuotas } from "./capacity-runs.ts";
import { soakChart } from "./plot.ts";
import { overload } from "./overload.ts";
import { soak } from "./soak.ts";
import { holdIdleListeners, type IdleCrowd } from "./idle-crowd.ts";
import { newRequestCounts, type RequestCounts } from "../metering.ts";
import type { Routing } from "../event-source/environments.ts";
import { type LocalMode, startLocal } from "../server.ts";
import { FIXED_ENGINE_LANGUAGES, fixedLatencyEngines } from "./fixed-engines.ts";
import { summarize } from "./stats.ts";
import { clipsFor, closeAll, failureCause, playTalk, type UtteranceLatency } from "./talk.ts";
import { voiceActivityFor, voiceActivitySetting } from "../voice-activity.ts";

const quick = process.argv.includes("--quick");
/**
 * `--only latency,overload`: only those scenarios (latency runs both routings), to compare a change quickly; written to
 * test-artifacts/bench-partial.json, never committed.
 */
const onlyFlag = process.argv.indexOf("--only");
const only = onlyFlag >= 0 ? new Set(process.argv[onlyFlag + 1]?.split(",")) : undefined;
const runs = (scenario: "recognizer" | "segmentation" | "latency" | "latency_parts" | "latency_parts_random" | "fanout" | "memory" | "scale" | "drift" | "overload" | "capacity" | "quotas") =>
  !only || only.has(scenario);
const vadFlag = process.argv.indexOf("--vad");
const vad = voiceActivitySetting(vadFlag >= 0 ? process.argv[vadFlag + 1] : process.env.LIVETRANSLATE_VAD);
/** Loaded once in main(): the latency talks' segmenters share it (as local mode's environments do). */
let voiceActivity: VoiceActivityDetector | undefined;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
/** The latency goals, from the end of voiced speech with the real engines on a 2-core machine. */
const GOALS = { caption_p50_s: 0.6, caption_p95_s: 1.0, audio_p50_s: 1.0, audio_p95_s: 1.5, ear_voice_span_mean_s: 2.0, seed_budget_s: [3, 4], google_meet_s: [2, 3], kudo_s: [3, 6] };
/** Sentences this long or shorter are reported apart: the segmenter closes longer ones on shorter pauses. */
const SHORT_SENTENCE_S = 3;
/** Idle listener connections the server holds in the memory and fan-out scenarios. */
const IDLE_LISTENERS = 5000;

interface Harness {
  local: LocalMode;
  segments: { sessionId: string; result: SegmentResult; at: number }[];
  counts: RequestCounts;
}

/** Local mode as Lambda runs the consumer: 4 execution environments, batches routed at random unless asked. */
async function harness(engines?: ReturnType<typeof fixedLatencyEngines>, routing: Routing = "random", detector?: VoiceActivityDetector): Promise<Harness> {
  const segments: Harness["segments"] = [];
  const counts = newRequestCounts();
  const local = await startLocal({
    port: 0,
    log: memoryLog(),
    engines,
    requestCounts: counts,
    consumerEnvironments: 4,
    routing,
    seed: 1,
    voiceActivity: detector,
    onSegment: (sessionId, result) => segments.push({ sessionId, result, at: Date.now() }),
  });
  return { local, segments, counts };
}

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


/** Word error rate over several texts, each weighted by its reference's words. */
function weightedWordErrorRate(texts: { reference: string; heard: string }[]): { percent: number; words: number } | undefined {
  let errors = 0;
  let words = 0;
  for (const { reference, heard } of texts) {
    const n = reference.split(/\s+/).filter(Boolean).length;
    errors += wordErrorRate(reference, heard) * n;
    words += n;
  }
  return words === 0 ? undefined : { percent: Number(((100 * errors) / words).toFixed(1)), words };
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

/**
 * The segmenter alone on the fixture talk (20 sentences, 1 s apart, 100 ms chunks, no engines, so the same on
 * every machine): sentence splits per 100 sentences and the wait from the end of the voice (the last 10 ms frame
 * above -40 dBFS) to the chunk that closed the sentence's segment, in audio time, for the energy rule and Silero
 * VAD at their hangovers; and what the detector costs, in CPU time per second of speech (one speaker's share of
 * a core).
 */
async function segmentation() {
  const talk = assembleTalk(clipsFor(20), 1000);
  const silero = new SileroVoiceActivity();
  await silero.ready();
  const configs: [string, VoiceActivityDetector | undefined, number][] = [
    ["energy 500 ms (today)", undefined, 500],
    ["energy 250 ms", undefined, 250],
    ["silero 250 ms", silero, 250],
    ["silero 300 ms", silero, 300],
    ["silero 400 ms (its default)", silero, 400],
  ];
  const rows = [];
  for (const [name, detector, hangover] of configs) {
    const cpu = process.cpuUsage();
    const result = await segmentTalk(talk, new Segmenter({ closeAfterSilenceMs: hangover }, undefined, undefined, detector));
    const used = process.cpuUsage(cpu);
    const waits = summarize(result.sentences.flatMap((s) => (s.waitMs === undefined ? [] : [s.waitMs])), 0);
    const cpuMsPerAudioSecond = (used.user + used.system) / 1000 / (talk.pcm.length / 16_000);
    rows.push({
      name,
      hangover_ms: hangover,
      sentence_splits_per_100: result.splitsPer100Sentences,
      split_sentences: result.sentences.filter((s) => s.segments > 1).map((s) => `${path.basename(s.file)} (${s.segments})`),
      wait_p50_ms: waits.p50,
      wait_p95_ms: waits.p95,
      segmenter_cpu_ms_per_audio_s: Number(cpuMsPerAudioSecond.toFixed(1)),
      core_share_percent: Number((cpuMsPerAudioSecond / 10).toFixed(2)),
    });
  }
  return {
    talk: `${talk.utterances.length} fixture sentences, 1 s apart, ${(talk.pcm.length / 16_000).toFixed(1)} s, 100 ms chunks`,
    wait_from: "end of voice (last 10 ms frame above -40 dBFS) to the chunk that closed the sentence's last segment, audio time",
    rows,
  };
}

/**
 * The recognizer alone on the transcribed fixture clips, in 100 ms pieces as the consumer feeds it (deterministic:
 * the same words on every machine), with today's final-pass settings and with pocketsphinx's defaults: word error
 * rate, and how long the final pass takes once a clip's last audio is in, which a caption waits for after the pause.
 */
async function recognizer() {
  const clips = englishClips().slice(0, quick ? 2 : undefined);
  const rows = [];
  const settings = [
    ["today", SEARCH_ARGS],
    ["final pass settings only (first pass as pocketsphinx's defaults)", FINAL_PASS_ARGS],
    ["pocketsphinx's defaults", []],
  ] as const;
  for (const [name, searchArgs] of settings) {
    const engine = new PocketsphinxRecognizer({ searchArgs });
    const finals: number[] = [];
    const texts: { reference: string; heard: string }[] = [];
    const cpu = process.cpuUsage();
    try {
      for (const clip of clips) {
        const pcm = readWav(clip.file);
        const stream = engine.startStream("en");
        for (let i = 0; i < pcm.length; i += 1600) await stream.write(pcm.subarray(i, i + 1600));
        const started = performance.now();
        const text = await stream.endSegment();
        finals.push(performance.now() - started);
        await stream.end();
        texts.push({ reference: clip.text, heard: text });
      }
    } finally {
      engine.close();
    }
    const used = process.cpuUsage(cpu);
    const f = summarize(finals, 0);
    const wer = weightedWordErrorRate(texts)!;
    rows.push({
      name,
      search_args: searchArgs.join(" ") || "(none)",
      word_error_rate_percent: wer.percent,
      words: wer.words,
      final_pass_p50_ms: f.p50,
      final_pass_max_ms: f.max,
      cpu_seconds: Number(((used.user + used.system) / 1e6).toFixed(1)),
    });
  }
  return { clips: clips.length, fed: "100 ms pieces; the final pass timed from endSegment to its text", rows };
}

const seconds = (values: (number | undefined)[]) => summarize(values.filter((v): v is number => v !== undefined));

async function latency(routing: Routing = "random", parts = false) {
  const h = await harness(undefined, routing, voiceActivity);
  let run: Awaited<ReturnType<typeof latencyRun>>;
  try {
    run = await latencyRun(h, routing, parts);
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
function slowestCaptions(utterances: UtteranceLatency[], segments: Harness["segments"]) {
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

async function latencyRun(h: Harness, routing: Routing, parts: boolean) {
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
      /** Polly's MP3 at 48 kbit/s for the same speech (local mode stores WAV, 7x larger). */
      mp3BytesPerSegment:
        (h.segments.reduce((n, s) => n + s.result.languages.reduce((m, l) => m + (l.durationSeconds ?? 0), 0), 0) / Math.max(1, h.segments.length * 2)) * 6000,
    },
  };
}

async function fanout() {
  const engines = fixedLatencyEngines();
  const h = await harness(engines);
  const languages = quick ? FIXED_ENGINE_LANGUAGES.slice(0, 5) : FIXED_ENGINE_LANGUAGES;
  const listenerCount = quick ? 50 : 500;
  // The fan-out runs beside a crowd of idle connections, as on a venue's server.
  const crowd = await holdIdleListeners(h.local, quick ? 200 : IDLE_LISTENERS);
  try {
    // 16 clips give about 20 segments, so each language's p99 is not merely its worst of a handful.
    const talk = assembleTalk(clipsFor(quick ? 2 : 16), 1000);
    const speed = 2;
    // The measured listeners are in another process too: the server's fan-out is timed without their own work
    // (parsing 500 messages a segment) on its event loop, as in production, where listeners are other devices.
    let measured: IdleCrowd | undefined;
    await playTalk(h.local, talk, {
      targetLanguages: languages,
      listeners: [],
      speed,
      beforeTalk: async (sessionId) => {
        measured = await holdIdleListeners(h.local, listenerCount, sessionId, languages);
      },
    });
    const receipts = (await measured?.release()) ?? [];
    // From each (segment, language) audio stored to the last listener of that language notified.
    const deliveries: number[] = [];
    const byLanguage = new Map<string, number[]>();
    const rates: number[] = [];
    for (const { result } of h.segments) {
      const ofSegment = receipts.filter(([segmentId]) => segmentId === result.segmentId);
      for (const lang of result.languages) {
        if (!lang.storedAt) continue;
        const arrivals = ofSegment.filter(([, language]) => language === lang.language).map(([, , at]) => at);
        if (arrivals.length) {
          const delivery = Math.max(...arrivals) - lang.storedAt;
          deliveries.push(delivery);
          byLanguage.set(lang.language, [...(byLanguage.get(lang.language) ?? []), delivery]);
        }
      }
      const times = ofSegment.map(([, , at]) => at);
      const first = Math.min(...times);
      const last = Math.max(...times);
      if (times.length > 1 && last > first) rates.push(times.length / ((last - first) / 1000));
    }
    const d = summarize(deliveries, 0);
    const perLanguage = [...byLanguage].map(([language, values]) => ({ language, ...summarize(values, 0) }));
    return {
      engines: engines.label,
      idle_listeners_connected: crowd.connected,
      idle_listeners_failed: crowd.failed,
      listeners: listenerCount,
      languages: languages.length,
      listeners_per_language: listenerCount / languages.length,
      listeners_connected: measured?.connected ?? 0,
      failed_listeners: measured?.failed ?? {},
      playback_speed: speed,
      segments: h.segments.length,
      measured: "per (segment, language): audio object stored -> the last listener of that language has the translatedAudio message",
      stored_to_notified_p50_ms: d.p50,
      stored_to_notified_p99_ms: d.p99,
      worst_language_p99_ms: Math.max(...perLanguage.map((l) => l.p99)),
      per_language: perLanguage,
      goal: "stored -> all notified p99 <= 100 ms, per language",
      burst_audio_messages_per_s_p50: summarize(rates, 0).p50,
      burst_note: "translatedAudio messages of one segment (one per listener) over the time from the first to the last arrival: the rate of a burst, not a sustained capacity",
    };
  } finally {
    await crowd.release();
    await h.local.close();
  }
}

async function scale(sessions: number, listenersPerSession: number, budgetMs: number) {
  const engines = fixedLatencyEngines();
  const h = await harness(engines);
  const engineMs = 20 + 10 + 15;
  try {
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const talk = assembleTalk(clipsFor(2), 800);
    const sessionFailures: Record<string, number> = {};
    const started = Date.now();
    const runs = await Promise.all(
      Array.from({ length: sessions }, async (_, i) => {
        // Stagger session starts over a second, as people do not all start on the same 100 ms.
        await new Promise((r) => setTimeout(r, (i * 1000) / sessions));
        if (Date.now() - started > budgetMs) {
          sessionFailures["not started: time bound passed"] = (sessionFailures["not started: time bound passed"] ?? 0) + 1;
          return undefined;
        }
        const listeners = Array.from({ length: listenersPerSession }, (_, j) => FIXED_ENGINE_LANGUAGES[j % 5]!);
        return playTalk(h.local, talk, {
          targetLanguages: FIXED_ENGINE_LANGUAGES.slice(0, 5),
          listeners,
          connectDeadline: started + budgetMs / 2,
        }).catch((error: unknown) => {
          sessionFailures[failureCause(error)] = (sessionFailures[failureCause(error)] ?? 0) + 1;
          return undefined;
        });
      }),
    );
    const rssPeak = process.memoryUsage().rss;
    const cpu = process.cpuUsage(cpuBefore);
    const completed = runs.filter((r) => r !== undefined);
    const connected = completed.reduce((n, r) => n + r!.listeners.length, 0);
    const failedListeners: Record<string, number> = {};
    for (const run of completed) {
      for (const [cause, n] of Object.entries(run!.failedListeners)) failedListeners[cause] = (failedListeners[cause] ?? 0) + n;
    }
    await Promise.all(completed.map((r) => closeAll(r!.listeners)));
    const overheads = h.segments.map((s) => (s.result.times.notifiedAt ?? 0) - s.result.times.closedAt - engineMs).filter((v) => v > -engineMs);
    const o = summarize(overheads, 0);
    return {
      engines: engines.label,
      sessions_requested: sessions,
      sessions_completed: completed.length,
      listeners_requested: listenersPerSession,
      listeners_connected: connected,
      failed_sessions: sessionFailures,
      failed_listeners: failedListeners,
      segments: h.segments.length,
      overhead_p50_ms: o.p50,
      overhead_p99_ms: o.p99,
      cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      wall_seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
      rss_mb: Number((rssPeak / 2 ** 20).toFixed(0)),
      rss_growth_mb: Number(((rssPeak - rssBefore) / 2 ** 20).toFixed(0)),
    };
  } finally {
    await h.local.close();
  }
}

async function drift() {
  const engines = fixedLatencyEngines();
  const h = await harness(engines);
  const minutes = quick ? 2 : 20;
  const speed = 4;
  try {
    const clips: { file: string }[] = [];
    let talk = assembleTalk(clips, 1000);
    while (talk.pcm.length / 16_000 < minutes * 60) {
      clips.push(...untranscribedClips().map((file) => ({ file })));
      talk = assembleTalk(clips, 1000);
    }
    const run = await playTalk(h.local, talk, { targetLanguages: ["es", "fr"], listeners: ["es", "fr"], speed });
    await closeAll(run.listeners);
    const latencies = run.utterances.map((u) => u.audioMessage).filter((v): v is number => v !== undefined);
    const window = Math.max(1, Math.floor(latencies.length / 5));
    const first = summarize(latencies.slice(0, window));
    const last = summarize(latencies.slice(-window));
    return {
      engines: engines.label,
      audio_minutes: Number((talk.pcm.length / 16_000 / 60).toFixed(1)),
      speed,
      utterances: talk.utterances.length,
      delivered: latencies.length,
      first_window_p95_s: first.p95,
      last_window_p95_s: last.p95,
      ratio_last_to_first: Number((last.p95 / first.p95).toFixed(2)),
    };
  } finally {
    await h.local.close();
  }
}

/**
 * Server memory per idle listener connection: a known number of extra connections held by another process
 * (so the clients' own memory is not counted), heap and RSS of this process after a full GC before and after.
 */
async function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("the memory scenario needs node --expose-gc (pnpm bench passes it)");
  const h = await harness(fixedLatencyEngines());
  const count = quick ? 200 : IDLE_LISTENERS;
  try {
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 200));
      }
      return process.memoryUsage();
    };
    const before = await settle();
    const crowd = await holdIdleListeners(h.local, count);
    const after = await settle();
    await crowd.release();
    const perConnectionKb = (a: number, b: number) => Number(((b - a) / 1024 / Math.max(1, crowd.connected)).toFixed(1));
    return {
      idle_connections: count,
      connected: crowd.connected,
      failed: crowd.failed,
      heap_kb_per_connection: perConnectionKb(before.heapUsed, after.heapUsed),
      rss_kb_per_connection: perConnectionKb(before.rss, after.rss),
      goal_kb_per_connection: 50,
      measured: "this process (gateway, handlers, stand-ins) after a full GC, before and after the connections opened from another process",
    };
  } finally {
    await h.local.close();
  }
}

/** AWS requests per session-hour, from the latency run's counts, and priced, for that run and for 500 listeners x 5 languages. */
function cost(usage: Awaited<ReturnType<typeof latency>>["usage"]) {
  const table = JSON.parse(readFileSync(path.join(repoRoot, "bench/prices.json"), "utf8")) as { date: string; written_from: string; prices: Record<string, number> };
  const p = table.prices;
  const perHour = 3600 / usage.audioSeconds;
  const segmentsPerHour = usage.segments * perHour;
  const sourceCharsPerHour = usage.sourceChars * perHour;
  const translatedCharsPerLanguage = (usage.translatedChars / usage.languages) * perHour;
  const project = (listeners: number, languages: number) => {
    const kinesisPuts = usage.counts.kinesisPuts * perHour;
    // Per segment: a transcript to the speaker and every listener, a translation and an audio message per listener.
    const posts = segmentsPerHour * (1 + 3 * listeners) + (usage.counts.postToConnection * perHour - segmentsPerHour * (1 + 3 * usage.listeners));
    const s3Puts = segmentsPerHour * languages;
    const s3Gets = segmentsPerHour * listeners;
    const translateChars = sourceCharsPerHour * languages;
    const pollyChars = translatedCharsPerLanguage * languages;
    const gbOut = (s3Gets * usage.mp3BytesPerSegment) / 1e9;
    // Transcribe bills each streaming request in whole seconds, at least 15: counted per request made.
    const transcribeMinutes = (usage.recognizerBilledSeconds * perHour) / 60;
    const checkpointWriteUnits = usage.checkpointWriteUnits * perHour;
    const dollars = {
      transcribe: transcribeMinutes * p.transcribe_streaming_per_minute!,
      dynamodb_checkpoint: (checkpointWriteUnits / 1e6) * p.dynamodb_per_million_write_units!,
      translate: (translateChars / 1e6) * p.translate_per_million_chars!,
      polly_neural: (pollyChars / 1e6) * p.polly_neural_per_million_chars!,
      kinesis: p.kinesis_on_demand_per_stream_hour! + ((kinesisPuts * 4.5e3) / 1e9) * p.kinesis_on_demand_per_gb_in!,
      websocket: ((kinesisPuts + posts) / 1e6) * p.apigw_websocket_per_million_messages! + ((listeners + 1) * 60 / 1e6) * p.apigw_websocket_per_million_connection_minutes!,
      s3: (s3Puts / 1000) * p.s3_put_per_thousand! + (s3Gets / 1000) * p.s3_get_per_thousand! + gbOut * p.data_transfer_out_per_gb!,
    };
    const round = (v: number) => Math.round(v);
    return {
      listeners,
      languages,
      requests: {
        kinesis_puts: round(kinesisPuts),
        post_to_connection: round(posts),
        s3_put: round(s3Puts),
        s3_get: round(s3Gets),
        transcribe_billed_minutes: round(transcribeMinutes),
        checkpoint_write_units: round(checkpointWriteUnits),
        translate_chars: round(translateChars),
        polly_chars: round(pollyChars),
      },
      dollars: Object.fromEntries(Object.entries(dollars).map(([k, v]) => [k, Number(v.toFixed(3))])),
      total_dollars: Number(Object.values(dollars).reduce((a, b) => a + b, 0).toFixed(2)),
    };
  };
  return { prices: { date: table.date, written_from: table.written_from }, measured: project(usage.listeners, usage.languages), projection_500x5: project(500, 5) };
}

function printTable(results: Record<string, any>) {
  const lines: string[] = [];
  const row = (name: string, value: unknown, goal = "") => lines.push(`  ${name.padEnd(34)} ${String(value).padStart(10)}  ${goal}`);
  const m = results.machine;
  lines.push(`livetranslate benchmark${quick ? " (--quick)" : ""}: ${m.cores} cores (${m.cpu}), ${m.memory_gb} GB, Node ${m.node}`);
  const cal = results.calibration;
  row("calibration: CPU loop (ms)", `${cal.start.cpu_loop_ms} / ${cal.end.cpu_loop_ms}`, `start / end; reference machine ${cal.reference_cpu_loop_ms} ms`);
  row("calibration: pocketsphinx RTF", `${cal.start.pocketsphinx_rtf} / ${cal.end.pocketsphinx_rtf}`, "start / end; jfk.wav, 100 ms pieces");
  const l = results.latency;
  if (l) {
    lines.push(`\nlatency: ${l.engines}, ${l.utterances} utterances (${l.talk_seconds} s) in real time, 100 ms chunks; from the end of voiced speech; ${l.speech_detection}`);
    row("sentence splits per 100 sentences", l.sentence_splits_per_100, "segments per sentence at a listener, minus one");
    row("ear-voice span, mean (s)", l.ear_voice_span_mean_s, `goal <= ${GOALS.ear_voice_span_mean_s} s (human interpreters 2-5 s)`);
    if (l.word_error_rate) row("word error rate, whole system", `${l.word_error_rate.percent} %`, `source text at the listener vs the transcripts (${l.word_error_rate.words} words)`);
    row("caption p50 / p95 / max (s)", `${l.caption_p50_s} / ${l.caption_p95_s} / ${l.caption_max_s}`, `goal p50 <= ${GOALS.caption_p50_s}, p95 <= ${GOALS.caption_p95_s} s: ${l.caption_p50_s <= GOALS.caption_p50_s && l.caption_p95_s <= GOALS.caption_p95_s ? "met" : "not met"}`);
    row("translation p50 / p95 (s)", `${l.translation_p50_s} / ${l.translation_p95_s}`);
    row("audio message p50 / p95 / max (s)", `${l.audio_p50_s} / ${l.audio_p95_s} / ${l.audio_max_s}`, `goal p50 <= ${GOALS.audio_p50_s}, p95 <= ${GOALS.audio_p95_s} s: ${l.audio_p50_s <= GOALS.audio_p50_s && l.audio_p95_s <= GOALS.audio_p95_s ? "met" : "not met"}; Google Meet 2-3 s, KUDO 3-6 s`);
    row("audio fetched p50 / p95 (s)", `${l.audio_fetched_p50_s} / ${l.audio_fetched_p95_s}`, "fetched on arrival, during the talk");
    for (const [name, g] of [["short (<= 3 s)", l.short_sentences], ["long (> 3 s)", l.long_sentences]] as const) {
      row(`${name}: caption / audio p50 (s)`, `${g.caption_p50_s} / ${g.audio_p50_s}`, `p95 ${g.caption_p95_s} / ${g.audio_p95_s}; ${g.utterances} sentences`);
    }
    for (const [stage, s] of Object.entries(l.stages_ms as Record<string, { p50: number; p95: number }>)) row(`  stage ${stage} p50 / p95 (ms)`, `${s.p50} / ${s.p95}`);
    for (const c of l.slowest_captions as ReturnType<typeof slowestCaptions>) {
      row(`slow caption ${c.caption_s} s`, `${c.voice_end_to_event_ms} + ${c.words_final_ms} + ${c.to_listener_ms}`, "ms: voice end -> close, words final, -> listener");
    }
    lines.push(`\nrouting: the same talk, consumer in 4 execution environments`);
    for (const [name, r] of Object.entries(results.routing as Record<string, Record<string, number>>)) {
      row(`${name}: caption / audio p50 (s)`, `${r.caption_p50_s} / ${r.audio_p50_s}`, `p95 ${r.caption_p95_s} / ${r.audio_p95_s}; ASR p50 ${r.asr_p50_ms} ms`);
      row(`${name}: checkpoint per batch`, `${r.checkpoint_bytes_per_batch} B`, `${r.checkpoint_write_units_per_batch} write units; ${r.stream_replays} replays from the stream`);
      row(`${name}: recognizer requests`, r.recognizer_requests, `${r.recognizer_audio_seconds} s of audio, ${r.recognizer_billed_seconds} s billed (15 s minimum each)`);
    }
  }
  for (const [routing, lp] of [["sticky", results.latency_parts], ["random", results.latency_parts_random]] as const) {
    if (!lp) continue;
    lines.push(`\nlisteners that take parts (the listener app), ${routing} routing: ${lp.parts_delivered} parts delivered, ${lp.parts_at_clause} at a clause boundary`);
    row("caption p50 / p95 (s)", `${lp.caption_p50_s} / ${lp.caption_p95_s}`, `goal p50 <= ${GOALS.caption_p50_s}, p95 <= ${GOALS.caption_p95_s} s: ${lp.caption_p50_s <= GOALS.caption_p50_s && lp.caption_p95_s <= GOALS.caption_p95_s ? "met" : "not met"}`);
    row("audio message p50 / p95 (s)", `${lp.audio_p50_s} / ${lp.audio_p95_s}`, `goal p50 <= ${GOALS.audio_p50_s}, p95 <= ${GOALS.audio_p95_s} s: ${lp.audio_p50_s <= GOALS.audio_p50_s && lp.audio_p95_s <= GOALS.audio_p95_s ? "met" : "not met"}`);
    row("ear-voice span, mean (s)", lp.ear_voice_span_mean_s, `goal <= ${GOALS.ear_voice_span_mean_s} s, per part`);
    row("part boundaries per 100 sentences", lp.part_boundaries_per_100, `sentence splits ${lp.sentence_splits_per_100}`);
    for (const [when, g] of Object.entries(lp.last_part as Record<string, { utterances: number; caption_p50_s: number; caption_p95_s: number }>)) {
      row(`last part ${when.replace("_", " ")}: caption p50 / p95`, `${g.caption_p50_s} / ${g.caption_p95_s}`, `${g.utterances} sentences`);
    }
    type Stat = { n: number; p50: number; p95: number };
    for (const [kind, ps] of Object.entries(lp.part_stages_ms as Record<string, { speech_end_to_commit: Stat; words_final: Stat; total: Stat }>)) {
      row(
        `parts at ${kind}: speech end -> commit -> words`,
        `${ps.speech_end_to_commit.p50} + ${ps.words_final.p50}`,
        `p50 ms; p95 ${ps.speech_end_to_commit.p95} + ${ps.words_final.p95}; to the message p50 ${ps.total.p50}, p95 ${ps.total.p95}; ${ps.total.n} parts`,
      );
    }
    for (const c of lp.slowest_captions as ReturnType<typeof slowestCaptions>) {
      row(`slow caption ${c.caption_s} s (${c.committed_at})`, `${c.voice_end_to_event_ms} + ${c.words_final_ms} + ${c.to_listener_ms}`, "ms: voice end -> commit, words final, -> listener");
    }
    if (lp.word_error_rate) row("word error rate, whole system", `${lp.word_error_rate.percent} %`, "the parts' source text joined");
    for (const [name, g] of [["short (<= 3 s)", lp.short_sentences], ["long (> 3 s)", lp.long_sentences]] as const) {
      row(`${name}: caption / audio p50 (s)`, `${g.caption_p50_s} / ${g.audio_p50_s}`, `p95 ${g.caption_p95_s} / ${g.audio_p95_s}; ${g.utterances} sentences`);
    }
  }
  const rec = results.recognizer;
  if (rec) lines.push(`\nrecognizer: pocketsphinx alone on ${rec.clips} transcribed fixture clips, ${rec.fed}`);
  for (const r of rec?.rows ?? []) {
    row(r.name, `WER ${r.word_error_rate_percent} %`, `of ${r.words} words; final pass p50 / max ${r.final_pass_p50_ms} / ${r.final_pass_max_ms} ms; ${r.cpu_seconds} CPU s; ${r.search_args}`);
  }
  const seg = results.segmentation;
  if (seg) lines.push(`\nsegmentation: ${seg.talk}; wait from the ${seg.wait_from}`);
  for (const r of seg?.rows ?? []) {
    row(r.name, `${r.sentence_splits_per_100} splits`, `wait p50 / p95 ${r.wait_p50_ms} / ${r.wait_p95_ms} ms; ${r.segmenter_cpu_ms_per_audio_s} ms CPU per s of audio (${r.core_share_percent}% of a core)`);
  }
  const f = results.fanout;
  if (f) {
    lines.push(`\nfan-out: ${f.listeners} listeners over ${f.languages} languages (${f.listeners_per_language} each; ${f.listeners_connected} connected), talk at ${f.playback_speed}x, ${f.engines}`);
    row("audio stored -> all notified p50/p99", `${f.stored_to_notified_p50_ms} / ${f.stored_to_notified_p99_ms} ms`, "per segment and language, to its last listener");
    row("worst language's p99", `${f.worst_language_p99_ms} ms`, `goal <= 100 ms; beside ${f.idle_listeners_connected} idle connections (${JSON.stringify(f.idle_listeners_failed)} failed)`);
    row("burst audio messages per second (p50)", f.burst_audio_messages_per_s_p50, "one segment's burst, not a sustained capacity");
  }
  const mem = results.memory;
  if (mem) {
    lines.push(`\nmemory: ${mem.connected} idle listener connections from another process (${JSON.stringify(mem.failed)} failed)`);
    row("heap / RSS per connection (KB)", `${mem.heap_kb_per_connection} / ${mem.rss_kb_per_connection}`, "server process, after a full GC; goal <= 50 KB");
  }
  for (const s of results.scale ?? []) {
    lines.push(`\nscale: ${s.sessions_requested} sessions x ${s.listeners_requested} listeners (${s.sessions_completed} sessions completed), ${s.engines}`);
    row("overhead beyond engines p50 / p99", `${s.overhead_p50_ms} / ${s.overhead_p99_ms} ms`);
    row("CPU s / wall s", `${s.cpu_seconds} / ${s.wall_seconds}`, `connected ${s.listeners_connected} of ${s.sessions_requested * s.listeners_requested} listeners`);
    row("failed sessions / listeners", `${Object.values(s.failed_sessions as Record<string, number>).reduce((a, b) => a + b, 0)} / ${Object.values(s.failed_listeners as Record<string, number>).reduce((a, b) => a + b, 0)}`, JSON.stringify({ sessions: s.failed_sessions, listeners: s.failed_listeners }));
    row("RSS MB / growth MB", `${s.rss_mb} / ${s.rss_growth_mb}`);
  }
  const d = results.drift;
  if (d) {
    lines.push(`\ndrift: ${d.audio_minutes} min of audio at ${d.speed}x, ${d.engines}`);
    row("audio p95 first / last window (s)", `${d.first_window_p95_s} / ${d.last_window_p95_s}`, `ratio ${d.ratio_last_to_first}`);
  }
  const c = results.aws;
  if (c) lines.push(`\nAWS per session-hour (bench/prices.json: written from the public pricing pages on ${c.prices.date}, not fetched)`);
  for (const proj of c ? [c.measured, c.projection_500x5] : []) {
    row(`${proj.listeners} listeners x ${proj.languages} languages`, `$${proj.total_dollars}`, Object.entries(proj.dollars).map(([k, v]) => `${k} $${v}`).join(", "));
  }
  const o = results.overload;
  if (o) {
    lines.push(`\noverload: ${o.speakers} speakers at once, ${o.talks}; ${o.engines}`);
    row("captions / audio undelivered", `${o.captions_undelivered} / ${o.translated_audio_undelivered}`, `of ${o.sentences} sentences (captions are never shed)`);
    const t = o.long_talk;
    row("long talk: overloaded from / to (s)", `${t.first_overloaded_s ?? "-"} / ${t.last_overloaded_s ?? "-"}`, `max lag ${t.max_lag_ms} ms; shed ${JSON.stringify(t.shedding_seen)}; recovered: ${t.recovered}`);
    row("long talk: caption p50, last quarter (s)", t.caption_p50_last_quarter_s, "alone again, caught up");
  }
  console.log(lines.join("\n"));
}

/** `--soak MINUTES [--speed N]`: only the soak scenario (its own results file and chart). */
async function soakOnly(minutes: number) {
  const speedFlag = process.argv.indexOf("--speed");
  const speed = speedFlag >= 0 ? Number(process.argv[speedFlag + 1]) : 1;
  if (!(minutes > 0) || !(speed > 0)) throw new Error("usage: pnpm bench --soak MINUTES [--speed N] (both above 0)");
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? "?", memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
  const results = { machine, commit: gitCommit(), soak: await soak(minutes, speed) };
  const out = outputFile().replace(/\.json$/, "-soak.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const r = results.soak;
  const png = out.replace(/\.json$/, ".png");
  writeFileSync(png, await soakChart(`livetranslate soak: ${r.audio_minutes} min of speech at ${speed}x, ${machine.cores} cores, commit ${results.commit?.slice(0, 7)}`, r.samples, r.utterance_latency));
  console.log(
    [
      `soak: ${r.audio_minutes} min of speech at ${speed}x in ${r.wall_minutes} min, ${r.utterances} sentences (${r.undelivered} undelivered), ${r.segments} segments`,
      `  audio p95 first / last tenth  ${r.latency.audio_p95_first_tenth_s} / ${r.latency.audio_p95_last_tenth_s} s (${r.latency.audio_p95_change_percent} %; goal within 10 %)`,
      `  caption p95 first / last tenth ${r.latency.caption_p95_first_tenth_s} / ${r.latency.caption_p95_last_tenth_s} s`,
      `  RSS / heap growth after minute 10  ${r.memory.rss_growth_after_minute_10_percent} % / ${r.memory.heap_growth_after_minute_10_percent} % (goal <= 5 %)`,
      `  stage medians (ms), first / last tenth: ${JSON.stringify(r.stage_medians_ms_per_tenth[0])} / ${JSON.stringify(r.stage_medians_ms_per_tenth.at(-1))}`,
      `  notified -> at the listener, median per tenth (ms): ${JSON.stringify(r.delivery_ms_per_tenth)}; ${r.log_lines} log lines`,
      `  left at close: ${JSON.stringify(r.at_close)}`,
      `  warnings and errors logged: ${JSON.stringify(r.warnings_and_errors_logged)}`,
      `wrote ${path.relative(repoRoot, out)} and ${path.relative(repoRoot, png)}`,
    ].join("\n"),
  );
}

async function main() {
  const soakFlag = process.argv.indexOf("--soak");
  if (soakFlag >= 0) return soakOnly(Number(process.argv[soakFlag + 1]));
  const started = Date.now();
  const results: Record<string, unknown> = {
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? "?", memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    commit: gitCommit(),
    quick,
    speech_detection: vad,
    goals: GOALS,
  };
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    process.stderr.write(`bench: ${name}...\n`);
    const t = Date.now();
    const value = await run();
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
    return value;
  };
  const calibrationStart = await step("calibration", calibration);
  voiceActivity = await voiceActivityFor(vad);
  if (runs("recognizer")) results.recognizer = await step("recognizer (search settings)", recognizer);
  if (runs("segmentation")) results.segmentation = await step("segmentation (energy vs Silero VAD)", segmentation);
  if (runs("latency")) await latencyScenarios(results, step);
  else {
    if (runs("latency_parts")) results.latency_parts = await step("latency (listeners take parts)", latencyParts);
    if (runs("latency_parts_random")) results.latency_parts_random = await step("latency (listeners take parts, random routing)", latencyPartsRandom);
  }
  if (runs("fanout")) results.fanout = await step("fan-out", fanout);
  if (runs("memory")) results.memory = await step("memory per idle listener", memory);
  if (runs("scale")) {
    results.scale = [
      await step("scale small", () => scale(quick ? 2 : 10, quick ? 10 : 50, 60_000)),
      await step("scale large", () => scale(quick ? 4 : 100, quick ? 20 : 500, quick ? 20_000 : 90_000)),
    ];
  }
  if (runs("drift")) results.drift = await step("drift", drift);
  if (runs("overload")) {
    results.overload = await step("overload", () => (quick ? overload({ speakers: 3, shortClips: 2, longClips: 4 }) : overload({ speakers: 10, shortClips: 8, longClips: 24 })));
  }
  if (runs("capacity") || runs("quotas")) await capacityScenarios(step);
  return finish(results, started, calibrationStart, await step("calibration again", calibration));
}

type Step = <T>(name: string, run: () => Promise<T>) => Promise<T>;

/**
 * The metered runs `pnpm capacity` scales from, and several sessions under AWS's quotas scaled to this machine:
 * their own results file (bench/results/<date>-<cores>core-capacity.json, committed; the capacity plan reads the
 * newest), written even by `--only capacity,quotas`.
 */
async function capacityScenarios(step: Step) {
  const file = quick
    ? path.join(repoRoot, "test-artifacts/bench-quick-capacity.json")
    : path.join(repoRoot, `bench/results/${new Date().toISOString().slice(0, 10)}-${os.cpus().length}core-capacity.json`);
  const results: Record<string, unknown> = existingResults(file);
  results.machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? "?", node: process.version };
  results.commit = gitCommit();
  if (runs("capacity")) {
    // The smoke test (--quick) runs the sticky one alone, on two sentences.
    const meteredRuns = [await step("metered run (parts, sticky routing)", () => metered("sticky", quick ? 2 : 20, voiceActivity))];
    if (!quick) meteredRuns.push(await step("metered run (parts, random routing)", () => metered("random", 20, voiceActivity)));
    results.metered = meteredRuns;
  }
  if (runs("quotas")) {
    // Scaled so that each emulated quota binds at a few sessions on 2 cores: Polly's neural voices at a fraction of
    // what the sessions ask (standard voices scale with it), Translate per pair, and posts below the fan-out's peak.
    results.quotas = await step("sessions under AWS's quotas, scaled", () =>
      underQuotas({
        sessions: quick ? 2 : 4,
        listenersPerSession: quick ? 2 : 6,
        sentences: quick ? 1 : 6,
        quotas: { synthesisTps: 0.2, translationTps: 1, postsPerSecond: 25, recognizerStreams: 25, newConnectionsPerSecond: 50 },
      }),
    );
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${path.relative(repoRoot, file)}\n`);
}

/** A results file this run adds to (`--only capacity` keeps the quota scenario's figures, and the other way round). */
function existingResults(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function latencyScenarios(results: Record<string, unknown>, step: Step) {
  const lat = await step("latency (real engines, random routing)", () => latency("random"));
  results.latency = lat.figures;
  const sticky = await step("latency (real engines, sticky routing)", () => latency("sticky"));
  const pick = (f: typeof lat.figures) => ({
    caption_p50_s: f.caption_p50_s,
    caption_p95_s: f.caption_p95_s,
    audio_p50_s: f.audio_p50_s,
    audio_p95_s: f.audio_p95_s,
    asr_p50_ms: f.stages_ms.asr.p50,
    ...f.consumer,
  });
  results.routing = { sticky: pick(sticky.figures), random: pick(lat.figures) };
  results.latency_parts = await step("latency (real engines, sticky routing, listeners take parts)", latencyParts);
  results.latency_parts_random = await step("latency (real engines, random routing, listeners take parts)", latencyPartsRandom);
  // Priced from the sticky run: Lambda mostly keeps a shard's batches in one environment (one recognizer stream per
  // segment); the random run's recognizer requests are under results.routing.
  results.aws = cost(sticky.usage);
}

/** What the listener app gets: segments in parts (simultaneous translation), as `pnpm start` routes them. */
async function latencyParts() {
  return (await latency("sticky", true)).figures;
}

/** The same under random routing, as Lambda may run it: each batch in any of four execution environments. */
async function latencyPartsRandom() {
  return (await latency("random", true)).figures;
}

type Calibration = Awaited<ReturnType<typeof calibration>>;

async function finish(results: Record<string, unknown>, started: number, calibrationStart: Calibration, calibrationEnd: Calibration): Promise<void> {
  results.calibration = { reference_cpu_loop_ms: REFERENCE_CPU_LOOP_MS, start: calibrationStart, end: calibrationEnd };
  if (!only) results.relative = relativeFigures(results);
  results.duration_s = Math.round((Date.now() - started) / 1000);
  const out = outputFile();
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  console.log(`\nwrote ${path.relative(repoRoot, out)} in ${results.duration_s} s`);
}

/** Full runs are committed (bench/results/<date>-<cores>core.json); the quick smoke run never overwrites them. */
function outputFile(): string {
  const flag = process.argv.indexOf("--out");
  if (flag >= 0 && process.argv[flag + 1]) return path.resolve(process.argv[flag + 1]!);
  if (quick) return path.join(repoRoot, "test-artifacts/bench-quick.json");
  if (only) return path.join(repoRoot, "test-artifacts/bench-partial.json");
  return path.join(repoRoot, `bench/results/${new Date().toISOString().slice(0, 10)}-${os.cpus().length}core.json`);
}

function gitCommit(): string | undefined {
  try {
    const head = readFileSync(path.join(repoRoot, ".git/HEAD"), "utf8").trim();
    return head.startsWith("ref: ") ? readFileSync(path.join(repoRoot, ".git", head.slice(5)), "utf8").trim() : head;
  } catch {
    return undefined;
  }
}

/**
 * Figures divided by this run's calibration, so runs on machines 2-3x apart compare: engine-bound stages per
 * unit of pocketsphinx's real-time factor, pipeline overhead per unit of the CPU loop's slowdown.
 */
function relativeFigures(results: Record<string, any>) {
  const cpu = (results.calibration.start.cpu_loop_ms + results.calibration.end.cpu_loop_ms) / 2 / REFERENCE_CPU_LOOP_MS;
  const rtf = (results.calibration.start.pocketsphinx_rtf + results.calibration.end.pocketsphinx_rtf) / 2;
  const round = (v: number) => Number(v.toFixed(1));
  return {
    cpu_slowdown: Number(cpu.toFixed(2)),
    pocketsphinx_rtf: Number(rtf.toFixed(3)),
    asr_stage_p50_ms_per_rtf: round(results.latency.stages_ms.asr.p50 / rtf),
    fanout_stored_to_notified_p99_ms_per_slowdown: round(results.fanout.stored_to_notified_p99_ms / cpu),
    scale_overhead_p50_ms_per_slowdown: results.scale.map((s: { overhead_p50_ms: number }) => round(s.overhead_p50_ms / cpu)),
    note: "engine-bound figures over pocketsphinx's RTF; pipeline overhead over the CPU loop's slowdown against the reference machine",
  };
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

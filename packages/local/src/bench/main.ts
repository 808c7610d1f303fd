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
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REFERENCE_CPU_LOOP_MS } from "@livetranslate/testing/calibration";
import { voiceActivityFor, voiceActivitySetting } from "../voice-activity.ts";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import { calibration } from "./calibration.ts";
import type { Step } from "./harness.ts";
import { soakChart } from "./plot.ts";
import { metered } from "./scenarios/capacity.ts";
import { drift } from "./scenarios/drift.ts";
import { fanout } from "./scenarios/fanout.ts";
import { fanoutBroadcast } from "./scenarios/fanout-broadcast.ts";
import { type LatencySettings, latencyParts, latencyPartsRandom, latencyScenarios, type slowestCaptions } from "./scenarios/latency.ts";
import { memory } from "./scenarios/memory.ts";
import { overload } from "./scenarios/overload.ts";
import { partsVsWhole } from "./scenarios/parts-vs-whole.ts";
import { underQuotas } from "./scenarios/quotas.ts";
import { recognizer } from "./scenarios/recognizer.ts";
import { scale } from "./scenarios/scale.ts";
import { segmentation } from "./scenarios/segmentation.ts";
import { soak } from "./scenarios/soak.ts";

const quick = process.argv.includes("--quick");
/**
 * `--only latency,overload`: only those scenarios (latency runs both routings), to compare a change quickly; written to
 * test-artifacts/bench-partial.json, never committed.
 */
const onlyFlag = process.argv.indexOf("--only");
const only = onlyFlag >= 0 ? new Set(process.argv[onlyFlag + 1]?.split(",")) : undefined;
const runs = (
  scenario: "recognizer" | "segmentation" | "parts_vs_whole" | "latency" | "latency_parts" | "latency_parts_random" | "fanout" | "fanout_broadcast" | "memory" | "scale" | "drift" | "overload" | "capacity" | "quotas",
) => !only || only.has(scenario);
const vadFlag = process.argv.indexOf("--vad");
const vad = voiceActivitySetting(vadFlag >= 0 ? process.argv[vadFlag + 1] : process.env.LIVETRANSLATE_VAD);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
/** The latency goals, from the end of voiced speech with the real engines on a 2-core machine. */
const GOALS = { caption_p50_s: 0.6, caption_p95_s: 1.0, audio_p50_s: 1.0, audio_p95_s: 1.5, ear_voice_span_mean_s: 2.0, seed_budget_s: [3, 4], google_meet_s: [2, 3], kudo_s: [3, 6] };

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
  const pw = results.parts_vs_whole;
  if (pw) {
    lines.push(`\nparts vs whole: ${pw.segments_in_parts} of ${pw.segments} segments in ${pw.parts} parts (${JSON.stringify(pw.parts_committed_at)}); chrF of the parts' translations joined against the whole's`);
    for (const [language, c] of Object.entries(pw.chrf as Record<string, { alone: number; in_context: number; parts_in_context: number; parts_fallback: number }>)) {
      row(`en->${language}: alone / in context`, `${c.alone} / ${c.in_context}`, `${c.parts_in_context} parts in context, ${c.parts_fallback} fell back to alone`);
    }
    for (const [language, error] of Object.entries(pw.failed as Record<string, string>)) row(`en->${language}: not measured`, "", error);
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
  const step: Step = async (name, run) => {
    process.stderr.write(`bench: ${name}...\n`);
    const t = Date.now();
    const value = await run();
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
    return value;
  };
  const calibrationStart = await step("calibration", calibration);
  const latency: LatencySettings = { quick, vad, voiceActivity: await voiceActivityFor(vad) };
  if (runs("recognizer")) results.recognizer = await step("recognizer (search settings)", () => recognizer(quick));
  if (runs("segmentation")) results.segmentation = await step("segmentation (energy vs Silero VAD)", segmentation);
  if (runs("parts_vs_whole")) results.parts_vs_whole = await step("parts vs whole (translation of parts against the whole segment's)", () => partsVsWhole(quick ? 4 : 20));
  if (runs("latency")) await latencyScenarios(results, step, latency);
  else {
    if (runs("latency_parts")) results.latency_parts = await step("latency (listeners take parts)", () => latencyParts(latency));
    if (runs("latency_parts_random")) results.latency_parts_random = await step("latency (listeners take parts, random routing)", () => latencyPartsRandom(latency));
  }
  if (runs("fanout")) results.fanout = await step("fan-out", () => fanout(quick));
  if (runs("fanout_broadcast")) results.fanout_broadcast = await step("fan-out by broadcast", () => fanoutBroadcast({ quick }));
  if (runs("memory")) results.memory = await step("memory per idle listener", () => memory(quick));
  if (runs("scale")) {
    results.scale = [
      await step("scale small", () => scale(quick ? 2 : 10, quick ? 10 : 50, 60_000)),
      await step("scale large", () => scale(quick ? 4 : 100, quick ? 20 : 500, quick ? 20_000 : 90_000)),
    ];
  }
  if (runs("drift")) results.drift = await step("drift", () => drift(quick));
  if (runs("overload")) {
    results.overload = await step("overload", () => (quick ? overload({ speakers: 3, shortClips: 2, longClips: 4 }) : overload({ speakers: 10, shortClips: 8, longClips: 24 })));
  }
  if (runs("capacity") || runs("quotas")) await capacityScenarios(step, latency.voiceActivity, calibrationStart);
  return finish(results, started, calibrationStart, await step("calibration again", calibration));
}

/**
 * The metered runs `pnpm capacity` scales from, and several sessions under AWS's quotas scaled to this machine:
 * their own results file (bench/results/<date>-<cores>core-capacity.json, committed; the capacity plan reads the
 * newest), written even by `--only capacity,quotas`.
 */
async function capacityScenarios(step: Step, voiceActivity: VoiceActivityDetector | undefined, calibrationStart: Calibration) {
  const file = quick
    ? path.join(repoRoot, "test-artifacts/bench-quick-capacity.json")
    : path.join(repoRoot, `bench/results/${new Date().toISOString().slice(0, 10)}-${os.cpus().length}core-capacity.json`);
  const results: Record<string, unknown> = existingResults(file);
  results.machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? "?", node: process.version };
  results.commit = gitCommit();
  if (runs("capacity")) {
    // The smoke test (--quick) runs the sticky one alone, on two sentences.
    const meteredRuns = [await step("metered run (listeners by broadcast, sticky routing)", () => metered("sticky", quick ? 2 : 20, voiceActivity))];
    if (!quick) meteredRuns.push(await step("metered run (listeners by broadcast, random routing)", () => metered("random", 20, voiceActivity)));
    results.metered = meteredRuns;
  }
  if (runs("quotas")) {
    // Scaled so that each emulated quota binds at a few sessions on 2 cores: Polly's neural voices at a fraction of
    // what the sessions ask (standard voices scale with it), Translate per pair, posts below the fan-out's peak, and
    // IoT Core's inbound publishes below the peak of parts published to two languages in four sessions at once.
    results.quotas = await step("sessions under AWS's quotas, scaled", () =>
      underQuotas({
        sessions: quick ? 2 : 4,
        listenersPerSession: quick ? 2 : 6,
        broadcastListenersPerSession: 2,
        sentences: quick ? 1 : 6,
        quotas: { synthesisTps: 0.2, translationTps: 1, postsPerSecond: 25, publishesPerSecond: 2, recognizerStreams: 25, newConnectionsPerSecond: 50 },
      }),
    );
  }
  // Its own file carries its own calibration: whether the runs kept up with real time depends on the machine.
  results.calibration = calibrationOf(calibrationStart, await step("calibration (capacity file)", calibration));
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

type Calibration = Awaited<ReturnType<typeof calibration>>;

function calibrationOf(start: Calibration, end: Calibration) {
  return { reference_cpu_loop_ms: REFERENCE_CPU_LOOP_MS, start, end };
}

async function finish(results: Record<string, unknown>, started: number, calibrationStart: Calibration, calibrationEnd: Calibration): Promise<void> {
  results.calibration = calibrationOf(calibrationStart, calibrationEnd);
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
    // git itself, so a worktree (whose .git is a file) names its commit too.
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
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

/**
 * `pnpm bench --quick` as a smoke test: the benchmark still runs end to end and writes every figure.
 * Nothing here judges a timing (figures vary with the machine); it checks the figures exist. It writes
 * test-artifacts/bench-quick.json, never the committed full results in bench/results/.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const output = path.resolve(here, "../../../../test-artifacts/bench-quick.json");

describe("pnpm bench --quick", () => {
  it("runs every scenario and writes test-artifacts/bench-quick.json", () => {
    const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "src/bench/main.ts", "--quick"], {
      cwd: path.resolve(here, "../.."),
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      encoding: "utf8",
      timeout: scaledTimeout(500_000),
    });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain("caption p50 / p95 / max");
    expect(run.stdout).toContain("wrote test-artifacts/bench-quick.json");
    const results = JSON.parse(readFileSync(output, "utf8"));
    for (const key of ["caption_p50_s", "caption_p95_s", "audio_p50_s", "audio_p95_s", "translation_p50_s", "audio_fetched_p50_s"]) {
      expect(typeof results.latency[key], key).toBe("number");
    }
    expect(results.latency.measured_from).toMatch(/end of voiced speech/);
    expect(results.latency.short_sentences.utterances + results.latency.long_sentences.utterances).toBe(results.latency.utterances);
    expect(Object.keys(results.latency.stages_ms)).toEqual(["segmenter_wait", "asr", "mt", "tts", "store", "notify", "total"]);
    expect(typeof results.latency.sentence_splits_per_100).toBe("number");
    // The other goals' figures: the word error rate through the whole system and the ear-voice span.
    expect(results.latency.word_error_rate.words).toBeGreaterThan(0);
    expect(typeof results.latency.word_error_rate.percent).toBe("number");
    expect(typeof results.latency.ear_voice_span_mean_s).toBe("number");
    // The same talk to listeners that take parts (the listener app's mode): latency, ear-voice span, boundaries.
    expect(results.latency_parts.listeners_take_parts).toBe(true);
    expect(results.latency_parts.undelivered).toBe(0);
    expect(results.latency_parts_random.routing).toMatch(/^random/);
    expect(results.latency_parts_random.undelivered).toBe(0);
    expect(results.latency_parts.parts_delivered).toBeGreaterThanOrEqual(results.latency_parts.utterances);
    for (const key of ["caption_p50_s", "audio_p50_s", "ear_voice_span_mean_s", "part_boundaries_per_100"]) expect(typeof results.latency_parts[key], key).toBe("number");
    // Both speech decisions on the same talk: splits, waits and the detector's CPU share.
    expect(results.recognizer.rows.map((r: { name: string }) => r.name)).toEqual([
      "today",
      "final pass settings only (first pass as pocketsphinx's defaults)",
      "pocketsphinx's defaults",
    ]);
    for (const row of results.recognizer.rows) {
      for (const key of ["word_error_rate_percent", "words", "final_pass_p50_ms"]) expect(typeof row[key], key).toBe("number");
    }
    expect(results.segmentation.rows.map((r: { name: string }) => r.name.split(" ")[0])).toEqual(["energy", "energy", "silero", "silero", "silero"]);
    // Parts against the whole: a chrF per local target language, alone and in context, over segments sent in parts.
    expect(results.parts_vs_whole.segments_in_parts).toBeGreaterThan(0);
    expect(Object.keys(results.parts_vs_whole.chrf).sort()).toEqual(["an", "ast", "bs", "ca", "eo", "es", "fr", "gl", "hr", "it", "oc", "pt", "sc", "sl", "sr"]);
    for (const c of Object.values(results.parts_vs_whole.chrf) as Record<string, number>[]) {
      for (const key of ["alone", "in_context"]) expect(c[key], key).toBeGreaterThan(0);
    }
    for (const row of results.segmentation.rows) {
      for (const key of ["sentence_splits_per_100", "wait_p50_ms", "wait_p95_ms", "core_share_percent"]) expect(typeof row[key], key).toBe("number");
    }
    expect(results.fanout.engines).toMatch(/fixed-latency test engines/);
    expect(results.fanout.listeners_per_language * results.fanout.languages).toBe(results.fanout.listeners);
    expect(typeof results.fanout.stored_to_notified_p99_ms).toBe("number");
    // The fan-out runs beside idle connections, each one connected or failed with a cause; delivery per language.
    const idleFailed = Object.values(results.fanout.idle_listeners_failed as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(results.fanout.idle_listeners_connected + idleFailed).toBe(200);
    expect(results.fanout.per_language.map((l: { language: string }) => l.language).sort()).toHaveLength(results.fanout.languages);
    expect(results.fanout.worst_language_p99_ms).toBeGreaterThanOrEqual(results.fanout.stored_to_notified_p99_ms);
    // The fan-out by broadcast: a part costs at most one publish per language, whatever the listeners' number.
    const [broadcast] = results.fanout_broadcast.runs;
    const broadcastFailed = Object.values(broadcast.failed_listeners as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(broadcast.listeners_connected + broadcastFailed).toBe(broadcast.listeners);
    expect(broadcast.parts).toBeGreaterThan(0);
    expect(broadcast.calls_per_part.publishes).toBeLessThanOrEqual(broadcast.languages);
    expect(typeof broadcast.worst_language_first_to_last_p99_ms).toBe("number");
    // The broker's own sends are seen: each part reaches as many subscribers' sockets as listeners have it.
    expect(broadcast.broker_sends_per_part_and_language_p50).toBe(broadcast.listeners_reached_per_part_and_language_p50);
    expect(broadcast.worst_language_broker_first_to_last_p99_ms).toBeGreaterThanOrEqual(0);
    expect(results.scale).toHaveLength(2);
    for (const scale of results.scale) {
      // Every requested listener is either connected or counted as failed with a cause.
      const failed = Object.values(scale.failed_listeners as Record<string, number>).reduce((a, b) => a + b, 0);
      const sessionsFailed = Object.values(scale.failed_sessions as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(scale.sessions_completed + sessionsFailed).toBe(scale.sessions_requested);
      expect(scale.listeners_connected + failed).toBe(scale.sessions_completed * scale.listeners_requested);
    }
    expect(results.memory.connected + Object.values(results.memory.failed as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(results.memory.idle_connections);
    expect(typeof results.memory.heap_kb_per_connection).toBe("number");
    expect(typeof results.drift.ratio_last_to_first).toBe("number");
    expect(results.aws.prices.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(results.aws.prices.written_from).toMatch(/not fetched/i);
    expect(results.aws.projection_500x5.requests.post_to_connection).toBeGreaterThan(0);
    expect(results.calibration.start.cpu_loop_ms).toBeGreaterThan(0);
    expect(results.calibration.start.pocketsphinx_rtf).toBeGreaterThan(0);
    expect(results.machine.cores).toBeGreaterThan(0);
    for (const routing of ["sticky", "random"]) {
      expect(typeof results.routing[routing].caption_p50_s, routing).toBe("number");
      expect(results.routing[routing].checkpoint_bytes_per_batch, routing).toBeGreaterThan(0);
      expect(results.routing[routing].recognizer_billed_seconds, routing).toBeGreaterThanOrEqual(15 * results.routing[routing].recognizer_requests);
    }
    expect(results.aws.measured.requests.transcribe_billed_minutes).toBeGreaterThan(0);
    // Overload: every sentence counted, delivered or not; the long talk's statuses as the speaker got them.
    expect(results.overload.sentences).toBeGreaterThan(0);
    expect(results.overload.captions_undelivered).toBeGreaterThanOrEqual(0);
    expect(typeof results.overload.long_talk.recovered).toBe("boolean");
    // The capacity scenarios write their own file, with their own calibration.
    const capacity = JSON.parse(readFileSync(path.resolve(here, "../../../../test-artifacts/bench-quick-capacity.json"), "utf8"));
    expect(capacity.metered.length).toBeGreaterThan(0);
    expect(capacity.calibration.start.cpu_loop_ms).toBeGreaterThan(0);
    expect(capacity.calibration.end.cpu_loop_ms).toBeGreaterThan(0);
  }, scaledTimeout(520_000));
});

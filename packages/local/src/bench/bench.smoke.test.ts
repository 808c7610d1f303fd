/**
 * `pnpm bench --quick` as a smoke test: the benchmark still runs end to end and writes every figure.
 * Nothing here judges a timing (figures vary with the machine); it checks the figures exist.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));

describe("pnpm bench --quick", () => {
  it("runs every scenario and writes bench/results/latest.json", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/bench/main.ts", "--quick"], {
      cwd: path.resolve(here, "../.."),
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      encoding: "utf8",
      timeout: 400_000,
    });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain("caption p50 / p95 / max");
    const results = JSON.parse(readFileSync(path.resolve(here, "../../../../bench/results/latest.json"), "utf8"));
    for (const key of ["caption_p50_s", "caption_p95_s", "audio_p50_s", "audio_p95_s", "translation_p50_s", "audio_fetched_p50_s"]) {
      expect(typeof results.latency[key], key).toBe("number");
    }
    expect(Object.keys(results.latency.stages_ms)).toEqual(["segmenter_wait", "asr", "mt", "tts", "store", "notify", "total"]);
    expect(results.fanout.engines).toMatch(/fixed-latency test engines/);
    expect(typeof results.fanout.stored_to_notified_p99_ms).toBe("number");
    expect(results.scale).toHaveLength(2);
    expect(typeof results.memory.per_listener_kb).toBe("number");
    expect(typeof results.drift.ratio_last_to_first).toBe("number");
    expect(results.aws.prices.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(results.aws.projection_500x5.requests.post_to_connection).toBeGreaterThan(0);
    expect(results.machine.cores).toBeGreaterThan(0);
    for (const routing of ["sticky", "random"]) {
      expect(typeof results.routing[routing].caption_p50_s, routing).toBe("number");
      expect(results.routing[routing].checkpoint_bytes_per_batch, routing).toBeGreaterThan(0);
      expect(results.routing[routing].recognizer_billed_seconds, routing).toBeGreaterThanOrEqual(15 * results.routing[routing].recognizer_requests);
    }
    expect(results.aws.measured.requests.transcribe_billed_minutes).toBeGreaterThan(0);
  }, 420_000);
});

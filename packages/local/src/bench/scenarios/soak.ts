/**
 * `pnpm bench --soak MINUTES [--speed N]`: one long talk with the real engines (the fixture speech looped in one
 * session, two listener languages, sticky routing as `pnpm start` runs), asking whether a venue's three-hour
 * service stays as fast and as small at the end as at the start. Local mode runs as its own process, as
 * `pnpm start` runs it, so what is measured is the server alone (the listeners here keep every message they
 * get): every minute it reports its RSS, heap (after a full collection: it runs with --expose-gc) and external memory (`process.memory`); its child processes and
 * the machine's load are sampled beside. Per utterance the caption and audio latency, per segment the stage
 * times. At the end: latency p95 of the last tenth against the first, stage medians per tenth, memory after the
 * first 10 minutes, the handles left open once local mode closed, and any process it started still running.
 * Writes bench/results/<date>-<cores>core-soak.json and a PNG beside it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { assembleTalk, englishClips, untranscribedClips } from "@livetranslate/testing/fixtures";
import type { ProtocolClient } from "../../testing/client.ts";
import { startLocalProcess } from "../../testing/local-process.ts";
import { calibration } from "../calibration.ts";
import { summarize } from "../stats.ts";
import { closeAll, playTalk } from "./talk.ts";

export interface SoakSample {
  minute: number;
  rss_mb: number;
  heap_mb: number;
  /** Buffers and other memory outside the JS heap. */
  external_mb: number;
  load_1m: number;
  child_processes: number;
  segments: number;
}

/** The processes whose parent is `parent` (Apertium pipelines, ...), read from /proc: pid and command. */
function childProcesses(parent: number): { pid: number; name: string }[] {
  const found: { pid: number; name: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command's closing parenthesis: state, then the parent's pid.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent) continue;
      found.push({ pid: Number(entry), name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) });
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

/** Every process below `root`, however deep. */
function descendants(root: number): { pid: number; name: string }[] {
  const children = childProcesses(root);
  return [...children, ...children.flatMap((c) => descendants(c.pid))];
}

/** Still running (a zombie is over, waiting for its parent to notice). */
function running(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

const STAGES = ["segmenterWait", "asr", "mt", "tts", "store", "notify"] as const;

export async function soak(minutes: number, speed: number) {
  const calibrationStart = await calibration();
  const local = await startLocalProcess({
    LIVETRANSLATE_CONSUMER_ENVIRONMENTS: "4",
    LIVETRANSLATE_CONSUMER_ROUTING: "sticky",
    LIVETRANSLATE_MEMORY_LOG_SECONDS: "60",
  }, undefined, ["--expose-gc"]);
  const logs = (event: string) => local.logs.filter((l) => l.event === event);
  const started = Date.now();
  const samples: SoakSample[] = [];
  let reported = 0;
  // Each `process.memory` line becomes a sample, with what is around it at that moment.
  const sample = () => {
    const memory = logs("process.memory");
    for (; reported < memory.length; reported++) {
      const m = memory[reported]!;
      samples.push({
        minute: Number(((Date.parse(m.time as string) - started) / 60_000).toFixed(1)),
        rss_mb: m.rss_mb as number,
        heap_mb: m.heap_mb as number,
        external_mb: m.external_mb as number,
        load_1m: Number(os.loadavg()[0]!.toFixed(2)),
        child_processes: descendants(local.pid).length,
        segments: logs("segment.done").length,
      });
    }
  };
  const sampler = setInterval(sample, 5_000);
  let stopped = false;
  try {
    const clips = [...englishClips().map((c) => ({ file: c.file })), ...untranscribedClips().map((file) => ({ file }))];
    const talk = assembleTalk(clips, 1000);
    const talkSeconds = talk.pcm.length / 16_000;
    const repeat = Math.max(1, Math.ceil((minutes * 60) / talkSeconds));
    const run = await playTalk(local, talk, { targetLanguages: ["es", "fr"], listeners: ["es", "fr"], speed, repeat, endWaitMs: 600_000 });
    await closeAll(run.listeners);
    sample();
    clearInterval(sampler);
    // Stopped as Ctrl-C stops it: it reports the handles still open once it closed everything.
    const startedProcesses = descendants(local.pid);
    await local.stop();
    stopped = true;
    await new Promise((r) => setTimeout(r, 1000));
    const closedAt = {
      handles: logs("process.stopped")[0]?.handles as Record<string, number> | undefined,
      processes_still_running: startedProcesses.filter((p) => running(p.pid)).map((p) => p.name),
    };
    const done = logs("segment.done");

    const tenth = Math.max(1, Math.floor(run.utterances.length / 10));
    const window = (pick: (u: (typeof run.utterances)[number]) => number | undefined, from: number, to?: number) =>
      summarize(run.utterances.slice(from, to).map(pick).filter((v): v is number => v !== undefined));
    const caption = { first: window((u) => u.caption, 0, tenth), last: window((u) => u.caption, -tenth) };
    const audio = { first: window((u) => u.audioMessage, 0, tenth), last: window((u) => u.audioMessage, -tenth) };
    const afterWarmUp = samples.filter((s) => s.minute >= 10);
    const reference = afterWarmUp[0];
    const growth = (pick: (s: SoakSample) => number) =>
      reference ? Number(((Math.max(...afterWarmUp.map(pick)) / pick(reference) - 1) * 100).toFixed(1)) : undefined;
    return {
      engines: "pocketsphinx + Apertium + eSpeak NG (local)",
      routing: "sticky over 4 execution environments",
      data: "on disk (LIVETRANSLATE_DATA_DIR in a temporary folder), as pnpm start keeps it",
      minutes_requested: minutes,
      speed,
      audio_minutes: Number(((talkSeconds * repeat) / 60).toFixed(1)),
      wall_minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
      utterances: run.utterances.length,
      undelivered: run.utterances.filter((u) => u.audioMessage === undefined).length,
      segments: done.length,
      latency: {
        caption_p95_first_tenth_s: caption.first.p95,
        caption_p95_last_tenth_s: caption.last.p95,
        audio_p95_first_tenth_s: audio.first.p95,
        audio_p95_last_tenth_s: audio.last.p95,
        audio_p95_change_percent: Number(((audio.last.p95 / audio.first.p95 - 1) * 100).toFixed(1)),
        goal: "last tenth's p95 within 10 % of the first tenth's",
      },
      memory: {
        rss_growth_after_minute_10_percent: growth((s) => s.rss_mb),
        heap_growth_after_minute_10_percent: growth((s) => s.heap_mb),
        goal: "no growth beyond 5 % after the first 10 minutes (the largest later sample against the one at minute 10)",
      },
      stage_medians_ms_per_tenth: Array.from({ length: 10 }, (_, t) => {
        const slice = done.slice(Math.floor((t * done.length) / 10), Math.floor(((t + 1) * done.length) / 10));
        return Object.fromEntries(
          STAGES.map((stage) => [stage, summarize(slice.map((l) => (l.stagesMs as Record<string, number>)[stage]).filter((v) => v !== undefined)).p50]),
        );
      }),
      delivery_ms_per_tenth: deliveryPerTenth(done, run.listeners[0]),
      log_lines: local.output.length,
      at_close: closedAt,
      warnings_and_errors_logged: countBy(local.logs.filter((l) => l.level === "warn" || l.level === "error").map((l) => `${l.level} ${l.event}`)),
      samples,
      calibration: { start: calibrationStart, end: await calibration() },
      utterance_latency: run.utterances.map((u, i) => ({ i, caption_s: u.caption, audio_s: u.audioMessage })),
    };
  } finally {
    clearInterval(sampler);
    if (!stopped) await local.stop();
  }
}

/**
 * From the server's "notified" (its PostToConnection of the segment's audio returned) to the first listener
 * having the message, median per tenth of the segments: the socket and the client, which the stage times do not see.
 */
function deliveryPerTenth(done: Record<string, unknown>[], listener: ProtocolClient | undefined): (number | undefined)[] {
  if (!listener) return [];
  const arrived = new Map(listener.received.filter((r) => r.message.type === "translatedAudio").map((r) => [(r.message as { segmentId: string }).segmentId, r.at]));
  const lags = done.flatMap((l) => {
    const at = arrived.get(l.segmentId as string);
    const notifiedAt = (l.times as { notifiedAt?: number }).notifiedAt;
    return at !== undefined && notifiedAt !== undefined ? [at - notifiedAt] : [];
  });
  return Array.from({ length: 10 }, (_, t) => {
    const slice = lags.slice(Math.floor((t * lags.length) / 10), Math.floor(((t + 1) * lags.length) / 10));
    return slice.length ? summarize(slice, 0).p50 : undefined;
  });
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

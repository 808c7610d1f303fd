/**
 * `pnpm bench --soak MINUTES [--speed N]`: one long talk with the real engines (the fixture speech looped in one
 * session, two listener languages, sticky routing as `pnpm start` runs), asking whether a venue's three-hour
 * service stays as fast and as small at the end as at the start. Every minute it samples this process's RSS and
 * heap, the machine's load and the child processes; per utterance it keeps the caption and audio latency. At the
 * end: latency p95 of the last tenth against the first, memory after the first 10 minutes, the handles and child
 * processes left once local mode closed. Writes bench/results/<date>-<cores>core-soak.json and a PNG beside it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import os from "node:os";
import type { Log } from "@livetranslate/core/log";
import { assembleTalk, englishClips, untranscribedClips } from "@livetranslate/core/testing/fixtures";
import { startLocal } from "../server.ts";
import { calibration } from "./calibration.ts";
import { summarize } from "./stats.ts";
import { closeAll, playTalk } from "./talk.ts";

export interface SoakSample {
  minute: number;
  rss_mb: number;
  heap_mb: number;
  /** Buffers and other memory outside the JS heap (the in-memory stand-ins keep the stream's records there). */
  external_mb: number;
  load_1m: number;
  child_processes: number;
  segments: number;
}

/** The commands of processes whose parent is this one (Apertium pipelines, ...): read from /proc. */
function childProcessNames(): string[] {
  const names: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command's closing parenthesis: state, then the parent's pid.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== process.pid) continue;
      names.push(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
    } catch {
      // the process ended while being read
    }
  }
  return names;
}

export async function soak(minutes: number, speed: number) {
  const calibrationStart = await calibration();
  let segments = 0;
  // Counted, not kept: a log that kept every line would be the leak this looks for.
  const logged: Record<string, number> = {};
  const log: Log = (entry) => {
    if (entry.level === "warn" || entry.level === "error") logged[`${entry.level} ${entry.event}`] = (logged[`${entry.level} ${entry.event}`] ?? 0) + 1;
  };
  // Data on disk, as `pnpm start` keeps it: in memory, the stand-ins would hold the whole stream in this process.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "livetranslate-soak-"));
  const local = await startLocal({
    port: 0,
    dataDir,
    log,
    consumerEnvironments: 4,
    routing: "sticky",
    onSegment: () => void segments++,
  });
  const samples: SoakSample[] = [];
  const started = Date.now();
  const sample = () => {
    const memory = process.memoryUsage();
    samples.push({
      minute: Number(((Date.now() - started) / 60_000).toFixed(1)),
      rss_mb: Math.round(memory.rss / 2 ** 20),
      heap_mb: Math.round(memory.heapUsed / 2 ** 20),
      external_mb: Math.round(memory.external / 2 ** 20),
      load_1m: Number(os.loadavg()[0]!.toFixed(2)),
      child_processes: childProcessNames().length,
      segments,
    });
  };
  sample();
  const sampler = setInterval(sample, 60_000);
  let closedAt: { handles: Record<string, number>; child_processes: string[] } | undefined;
  try {
    const clips = [...englishClips().map((c) => ({ file: c.file })), ...untranscribedClips().map((file) => ({ file }))];
    const talk = assembleTalk(clips, 1000);
    const talkSeconds = talk.pcm.length / 16_000;
    const repeat = Math.max(1, Math.ceil((minutes * 60) / talkSeconds));
    const run = await playTalk(local, talk, { targetLanguages: ["es", "fr"], listeners: ["es", "fr"], speed, repeat, endWaitMs: 600_000 });
    await closeAll(run.listeners);
    sample();
    clearInterval(sampler);
    await local.close();
    // What is left running once local mode has closed: handles (timers, sockets, ...) and child processes.
    await new Promise((r) => setTimeout(r, 1000));
    const handles: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
    closedAt = { handles, child_processes: childProcessNames() };

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
      segments,
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
      at_close: closedAt,
      warnings_and_errors_logged: logged,
      samples,
      calibration: { start: calibrationStart, end: await calibration() },
      utterance_latency: run.utterances.map((u, i) => ({ i, caption_s: u.caption, audio_s: u.audioMessage })),
    };
  } finally {
    clearInterval(sampler);
    if (!closedAt) await local.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

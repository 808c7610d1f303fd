/**
 * Local mode killed with SIGKILL in the middle of a sentence and started again on the same data folder: the
 * session, its audio stream and the consumer's checkpoint survive on disk; the speaker and listener apps
 * reconnect by themselves; the speaker app resends what the dead connection may have lost and sends what it
 * held meanwhile; the talk carries on. Every segment reaches the speaker once and each listener language at
 * most once, across both processes, and no segment number is missing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSpanishSession, launchChromium, microphoneRecording } from "../testing/chromium.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

type SegmentLog = {
  event: string;
  sequenceNumber: number;
  /** Set on `part.*` lines: the listener app takes segments in parts. */
  part?: number;
  speaker?: { alreadyDone?: boolean; error?: string };
  languages?: { language: string; listeners: number; alreadyDone?: boolean; error?: string }[];
};

describe("local mode restarted mid-sentence", () => {
  const processes: LocalProcess[] = [];
  let browser: Browser;
  let workDir: string;
  let dataDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), "livetranslate-restart-"));
    dataDir = path.join(workDir, "data");
    const microphone = microphoneRecording(workDir, ["LJ001-0013.wav", "LJ001-0011.wav", "LJ001-0002.wav"], 1500);
    processes.push(await startLocalProcess({ LIVETRANSLATE_DATA_DIR: dataDir }));
    browser = await launchChromium(microphone);
  }, scaledTimeout(120_000));

  afterAll(async () => {
    await browser?.close();
    for (const local of processes) await local.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("loses no segment and doubles none, and both apps carry on by themselves", async () => {
    const first = processes[0]!;
    const { speaker, code } = await createSpanishSession(browser, first.url);
    const listener: Page = await (await browser.newContext()).newPage();
    await listener.goto(`${first.url}/listen/${code}?lang=es`);
    await expect.poll(() => speaker.locator(".count[data-language='es']").textContent(), { timeout: scaledTimeout(15_000) }).toBe("1");

    // The first sentence is captioned; the kill comes while the second is being spoken.
    await speaker.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => speaker.locator(".transcript .final").count(), { timeout: scaledTimeout(60_000), interval: 200 }).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await first.kill();
    await expect.poll(() => speaker.getByRole("status", { name: "Connection" }).textContent()).toContain("Reconnecting");

    const second = await startLocalProcess({ PORT: String(first.port), LIVETRANSLATE_DATA_DIR: dataDir });
    processes.push(second);
    // Nobody touches either page: both reconnect on their own, and the speaker's held audio is transcribed.
    await expect.poll(() => speaker.getByRole("status", { name: "Connection" }).textContent(), { timeout: scaledTimeout(30_000) }).toContain("Connected");
    await expect.poll(() => speaker.locator(".transcript .final").count(), { timeout: scaledTimeout(120_000), interval: 500 }).toBeGreaterThanOrEqual(3);
    await expect.poll(() => listener.locator(".caption .translation").count(), { timeout: scaledTimeout(60_000), interval: 500 }).toBeGreaterThanOrEqual(2);
    await speaker.getByRole("button", { name: "Stop" }).click();
    await speaker.getByRole("button", { name: "End session" }).click();
    await expect.poll(() => listener.getByRole("status", { name: "Status" }).textContent(), { timeout: scaledTimeout(60_000) }).toContain("Session ended");

    // The second process found the session and the stream where the first left them.
    expect(second.logs.some((l) => l.event === "event_source.resumed")).toBe(true);
    expect(second.logs.some((l) => l.event === "local.stale_connections_forgotten")).toBe(true);
    expect(new Set(second.logs.filter((l) => l.event === "ws.connect").map((l) => l.role))).toEqual(new Set(["listener", "speaker"]));

    // The speaker's resent and held audio filled the gap: the consumer skipped nothing and waited for nothing lost.
    const all = processes.flatMap((p) => p.logs);
    expect(all.filter((l) => l.event === "consumer.chunks_skipped" || l.event === "consumer.late_chunks_dropped")).toEqual([]);
    console.log(
      `restart: segments done ${processes.map((p) => p.logs.filter((l) => l.event === "segment.done").length).join(" + ")}, ` +
        `duplicate chunks dropped ${all.filter((l) => l.event === "consumer.duplicate_chunks").reduce((n, l) => n + (l.duplicates as number), 0)}, ` +
        `replays ${all.filter((l) => l.event === "consumer.replayed" || l.event === "recognition.replayed").length}`,
    );

    const segments = processes.flatMap((p) => p.logs as unknown as SegmentLog[]).filter((l) => l.event?.startsWith("segment."));
    const numbers = [...new Set(segments.map((s) => s.sequenceNumber))].sort((a, b) => a - b);
    // No number missing from the first to the last: no segment lost.
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers[0]! + i));
    expect(segments.filter((s) => s.event === "segment.incomplete")).toEqual([]);
    for (const n of numbers) {
      const sent = segments.filter((s) => s.sequenceNumber === n && s.event === "segment.done");
      const what = `segment ${n}: ${JSON.stringify(segments.filter((s) => s.sequenceNumber === n))}`;
      if (segments.some((s) => s.sequenceNumber === n && s.event === "segment.empty")) continue;
      // The speaker's caption went out exactly once, across both processes...
      expect(sent.filter((s) => s.speaker && !s.speaker.alreadyDone).length, what).toBe(1);
      // ...and each listener language at most once: whole segments, and each part of one (the listener app's).
      const es = sent.flatMap((s) => s.languages ?? []).filter((l) => l.language === "es" && l.listeners > 0 && !l.alreadyDone);
      expect(es.length, what).toBeLessThanOrEqual(1);
      const parts = processes.flatMap((p) => p.logs as unknown as SegmentLog[]).filter((l) => l.event === "part.done" && l.sequenceNumber === n);
      for (const part of new Set(parts.map((p) => p.part))) {
        const esPart = parts.filter((p) => p.part === part).flatMap((p) => p.languages ?? []).filter((l) => l.language === "es" && l.listeners > 0 && !l.alreadyDone);
        expect(esPart.length, `${what} part ${part}`).toBeLessThanOrEqual(1);
      }
    }
    // Spanish captions arrived after the restart too: the listener came back at the live edge.
    const afterRestart = (second.logs as unknown as SegmentLog[]).filter((l) => l.event === "segment.done" || l.event === "part.done");
    expect(afterRestart.some((s) => s.languages?.some((l) => l.language === "es" && l.listeners > 0 && !l.alreadyDone))).toBe(true);
  }, scaledTimeout(300_000));
});

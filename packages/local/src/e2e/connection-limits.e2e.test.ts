/**
 * API Gateway ends every WebSocket connection after 2 hours. Local mode applies the same limit, shortened here
 * to a few seconds, so the speaker's connection is cut several times in one short talk: the app reconnects by
 * itself and resends what the cut connection may have lost, and no audio is lost or processed twice. The listener
 * app listens by broadcast (the broker), which the gateway's limit does not touch: it reads on throughout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSpanishSession, launchChromium, microphoneRecording } from "../testing/chromium.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

const MAX_CONNECTION_SECONDS = 4;

describe("the apps outlive API Gateway's connection limit", () => {
  let local: LocalProcess;
  let browser: Browser;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), "livetranslate-limits-"));
    const microphone = microphoneRecording(workDir, ["LJ001-0013.wav", "LJ001-0002.wav", "LJ001-0011.wav"], 1200);
    local = await startLocalProcess({ LIVETRANSLATE_WS_MAX_CONNECTION_SECONDS: String(MAX_CONNECTION_SECONDS) });
    browser = await launchChromium(microphone);
  }, scaledTimeout(120_000));

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const logs = (event: string, match: Record<string, unknown> = {}) =>
    local.logs.filter((l) => l.event === event && Object.entries(match).every(([k, v]) => l[k] === v));

  it("reconnects both apps, resends the speaker's audio, and loses no segment", async () => {
    const { speaker, code } = await createSpanishSession(browser, local.url);

    const listener: Page = await (await browser.newContext()).newPage();
    await listener.goto(`${local.url}/listen/${code}?lang=es`);
    await expect.poll(() => listener.getByRole("status", { name: "Status" }).textContent()).toContain("Captions only");

    await speaker.getByRole("button", { name: "Start" }).click();
    // Every sentence becomes a segment. A message that goes out while its connection is being replaced is lost for
    // that connection (API Gateway answers 410), so the pages may miss one; the audio never is.
    // (The listener app takes parts: a segment whose speaker was between connections as it closed went out in parts only.)
    const segmentsOut = () => new Set(["segment.done", "segment.nobody_connected", "part.done"].flatMap((event) => logs(event).map((l) => l.sequenceNumber))).size;
    await expect.poll(segmentsOut, { timeout: scaledTimeout(120_000), interval: 500 }).toBeGreaterThanOrEqual(3);
    await expect.poll(() => speaker.locator(".transcript .final").count(), { timeout: scaledTimeout(30_000), interval: 500 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => listener.locator(".caption .translation").count(), { timeout: scaledTimeout(30_000), interval: 500 }).toBeGreaterThanOrEqual(1);

    // The speaker's connection was cut for its age, more than once, and came back by itself.
    const cut = logs("gateway.connection_limit", { limit: "maxConnectionMs" });
    const connects = (role: string) => logs("ws.connect", { role });
    // Only the speaker holds a gateway connection: its cuts alone are counted.
    expect(cut.length).toBeGreaterThanOrEqual(2);
    expect(connects("speaker").length).toBeGreaterThanOrEqual(2);
    // The listener app listens by broadcast: it holds no gateway connection, so the gateway's limit never cuts it.
    expect(connects("listener")).toEqual([]);

    // The speaker resent the last seconds on each reconnect: the consumer dropped the copies and skipped no gap.
    expect(logs("consumer.duplicate_chunks").length).toBeGreaterThanOrEqual(1);
    expect(logs("consumer.chunks_skipped")).toEqual([]);
    expect(logs("consumer.late_chunks_dropped")).toEqual([]);
    const sequence = logs("segment.done").map((l) => l.sequenceNumber as number);
    expect(sequence).toEqual([...new Set(sequence)].sort((a, b) => a - b));

    // Ending works whatever state the speaker's connection is in; the listener is told.
    await speaker.getByRole("button", { name: "Stop" }).click();
    await speaker.getByRole("button", { name: "End session" }).click();
    await expect.poll(() => listener.getByRole("status", { name: "Status" }).textContent(), { timeout: scaledTimeout(60_000) }).toContain("Session ended");
  }, scaledTimeout(240_000));
});

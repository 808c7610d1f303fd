/**
 * The speaker reloads the page mid-talk (a tab crash, a mistaken F5) and presses Start again: the app restores the
 * session and continues the session's chunk numbering, so the talk goes on being captioned. Chunk indexes are
 * the session's and never reused: a page that numbered from 0 again would have every chunk dropped as a repeat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSpanishSession, launchChromium, microphoneRecording } from "../testing/chromium.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

describe("a speaker page reloaded mid-talk", () => {
  let local: LocalProcess;
  let browser: Browser;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), "livetranslate-reload-"));
    const microphone = microphoneRecording(workDir, ["LJ001-0013.wav", "LJ001-0011.wav", "LJ001-0002.wav", "LJ001-0014.wav", "LJ001-0003.wav", "LJ001-0015.wav"], 1500);
    local = await startLocalProcess({});
    browser = await launchChromium(microphone);
  }, scaledTimeout(120_000));

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("keeps the talk captioned after the reload: the page continues the session's chunk numbering", async () => {
    const { speaker, code } = await createSpanishSession(browser, local.url);
    const listener = await (await browser.newContext()).newPage();
    await listener.goto(`${local.url}/listen/${code}?lang=es`);
    await expect.poll(() => speaker.locator(".count[data-language='es']").textContent(), { timeout: scaledTimeout(15_000) }).toBe("1");

    await speaker.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => speaker.locator(".transcript .final").count(), { timeout: scaledTimeout(60_000), interval: 200 }).toBeGreaterThanOrEqual(1);
    const captionsBefore = await listener.locator(".caption .translation").count();

    await speaker.reload();
    await expect.poll(() => speaker.getByRole("status", { name: "Connection" }).textContent(), { timeout: scaledTimeout(30_000) }).toContain("Connected");
    await speaker.getByRole("button", { name: "Start" }).click();
    // The reloaded page's transcript starts empty: a final here is speech captured after the reload.
    await expect.poll(() => speaker.locator(".transcript .final").count(), { timeout: scaledTimeout(90_000), interval: 500 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => listener.locator(".caption .translation").count(), { timeout: scaledTimeout(60_000), interval: 500 }).toBeGreaterThan(captionsBefore);
    await speaker.getByRole("button", { name: "Stop" }).click();
    await speaker.getByRole("button", { name: "End session" }).click();
    await expect.poll(() => listener.getByRole("status", { name: "Status" }).textContent(), { timeout: scaledTimeout(60_000) }).toContain("Session ended");

    // Nothing the reloaded page sent was dropped as a repeat: it numbered on from where the session stood
    // (a page numbering from 0 again loses as much audio as was spoken before the reload).
    const dropped = local.logs.filter((l) => l.event === "consumer.duplicate_chunks").reduce((n, l) => n + (l.duplicates as number), 0);
    expect(dropped).toBe(0);
  }, scaledTimeout(300_000));
});

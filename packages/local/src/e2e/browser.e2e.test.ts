/**
 * The whole product in a real browser: Debian's Chromium (driven by playwright-core) with a fake
 * microphone playing real speech at 48 kHz, so the worklet's resampling is exercised; a speaker page
 * creates a session and clicks Start; two listener pages (es on a desktop, fr on a phone) show the
 * translated captions and play the translated audio in order. Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assembleTalk, untranscribedClips } from "@livetranslate/core/testing/fixtures";
import { type Browser, chromium, type Page } from "playwright-core";
import wavefile from "wavefile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../test-artifacts");

interface PlaybackLog {
  played: { sequenceNumber: number; at: number; end: number }[];
  skipped: { sequenceNumber: number }[];
  peakLevel: number;
}

describe("speaker and listener apps in Chromium", () => {
  let local: LocalProcess;
  let browser: Browser;
  let speaker: Page;
  let es: Page;
  let fr: Page;
  let workDir: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    workDir = mkdtempSync(path.join(tmpdir(), "livetranslate-browser-"));
    // A microphone at 48 kHz speaking three sentences with pauses, made from the shared fixtures now.
    const talk = assembleTalk(untranscribedClips().slice(0, 3).map((file) => ({ file })), 1200);
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, 16_000, "16", talk.pcm);
    wav.toSampleRate(48_000, { method: "sinc" });
    const microphone = path.join(workDir, "speech-48k.wav");
    writeFileSync(microphone, wav.toBuffer());

    local = await startLocalProcess();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-audio-capture=${microphone}%noloop`,
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const playback = (page: Page) => page.evaluate(() => (globalThis as unknown as { livetranslatePlayback?: PlaybackLog }).livetranslatePlayback);

  it("creates a session, streams the microphone, and both listeners read and hear the translation", async () => {
    // The speaker creates a session for Spanish and French listeners.
    const speakerContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    speaker = await speakerContext.newPage();
    await speaker.goto(`${local.url}/speaker/`);
    await speaker.getByRole("button", { name: "Create session" }).waitFor();
    for (const name of ["Català", "Esperanto", "Italiano", "Português"]) {
      await speaker.getByRole("checkbox", { name }).uncheck();
    }
    await speaker.getByRole("button", { name: "Create session" }).click();
    const code = (await speaker.getByLabel("Session code").last().textContent())!.trim();
    expect(code).toMatch(/^[a-z]+-[a-z]+-\d{3}$/);
    await expect.poll(() => speaker.getByRole("status", { name: "Connection" }).textContent()).toContain("Connected");
    await expect.poll(() => speaker.locator(".qr svg").count()).toBe(1);

    // Listeners join by link: Spanish on a desktop, French on a phone.
    const esContext = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    es = await esContext.newPage();
    await es.goto(`${local.url}/listen/${code}?lang=es`);
    const frContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    fr = await frContext.newPage();
    await fr.goto(`${local.url}/listen/${code}`);
    await fr.getByLabel("Language").selectOption("fr");
    for (const page of [es, fr]) {
      await page.getByRole("button", { name: "Enable audio" }).click();
      await expect.poll(() => page.getByRole("status", { name: "Status" }).textContent()).toMatch(/Live|Playing|Buffering/);
    }
    await expect.poll(() => speaker.locator(".count[data-language='es']").textContent(), { timeout: 15_000 }).toBe("1");

    // Speak.
    await speaker.getByRole("button", { name: "Start" }).click();
    await speaker.getByRole("button", { name: "Stop" }).waitFor();

    for (const page of [es, fr]) {
      await expect.poll(async () => (await playback(page))?.played.length ?? 0, { timeout: 90_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    }
    await expect.poll(() => speaker.locator(".transcript .final").count()).toBeGreaterThanOrEqual(3);

    // Captions: translated text with its source, in the listener's language.
    const esCaptions = await es.locator(".caption .translation").allTextContents();
    const frCaptions = await fr.locator(".caption .translation").allTextContents();
    expect(esCaptions.length).toBeGreaterThanOrEqual(3);
    expect(frCaptions.length).toBeGreaterThanOrEqual(3);
    expect(esCaptions.join(" ")).not.toEqual(frCaptions.join(" "));
    expect(await es.locator(".caption .source").count()).toBeGreaterThanOrEqual(3);

    // Audio: played in sequence order, back to back without overlap, and actually audible.
    for (const page of [es, fr]) {
      const log = (await playback(page))!;
      const sequence = log.played.map((p) => p.sequenceNumber);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
      expect(new Set(sequence).size).toBe(sequence.length);
      for (let i = 1; i < log.played.length; i++) expect(log.played[i]!.at).toBeGreaterThanOrEqual(log.played[i - 1]!.end - 0.001);
      expect(log.skipped).toEqual([]);
      expect(log.peakLevel).toBeGreaterThan(0.01);
    }

    await speaker.screenshot({ path: path.join(artifacts, "speaker-desktop.png") });
    await es.screenshot({ path: path.join(artifacts, "listener-es-desktop.png") });
    await fr.screenshot({ path: path.join(artifacts, "listener-fr-phone.png") });
    const phoneSpeaker = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 })).newPage();
    await phoneSpeaker.goto(`${local.url}/listen/`);
    await phoneSpeaker.screenshot({ path: path.join(artifacts, "listener-join-phone.png") });

    await speaker.getByRole("button", { name: "Stop" }).click();
    await speaker.getByRole("button", { name: "End session" }).click();
    await expect.poll(() => es.getByRole("status", { name: "Status" }).textContent(), { timeout: 15_000 }).toContain("Session ended");
  }, 240_000);
});

/** Debian's Chromium for the browser tests, with a fake microphone that plays real speech. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { assembleTalk, englishClips, untranscribedClips, type Utterance } from "@livetranslate/testing/fixtures";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { type Browser, type CDPSession, chromium, type Locator, type Page } from "playwright-core";
import wavefile from "wavefile";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Writes the fixture clips named (file names), separated by `pauseMs` of silence, as a 48 kHz WAV the fake
 * microphone plays once: the worklet's resampling is exercised as with a real microphone.
 */
export function microphoneRecording(directory: string, clipNames: readonly string[], pauseMs: number): string {
  return microphoneTalk(directory, clipNames, pauseMs).file;
}

/** `microphoneRecording`, with where each clip lies in the recording (ms from its start). */
export function microphoneTalk(directory: string, clipNames: readonly string[], pauseMs: number): { file: string; utterances: Utterance[] } {
  const files = [...englishClips().map((c) => c.file), ...untranscribedClips()];
  const talk = assembleTalk(
    clipNames.map((name) => ({ file: files.find((f) => f.endsWith(name))! })),
    pauseMs,
  );
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, 16_000, "16", talk.pcm);
  wav.toSampleRate(48_000, { method: "sinc" });
  const file = path.join(directory, "speech-48k.wav");
  writeFileSync(file, wav.toBuffer());
  return { file, utterances: talk.utterances };
}

/** Chromium with the recording as its microphone and a listener browser's autoplay rule (audio after a tap). */
export function launchChromium(microphone: string): Promise<Browser> {
  return chromium.launch({
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
      // Headless Chromium lets every page play sound; a listener's browser does not until a tap on the page.
      "--autoplay-policy=document-user-activation-required",
    ],
  });
}

/**
 * The speaker app creates a session whose only target is Spanish and connects; returns its page and the session
 * code. It runs in `options.page` (a new page in its own browser context if none), with the glossary box's text
 * and the "keep a transcript" box as given (empty and unticked if not). The session is not private (the code alone
 * joins it) unless `options.private`.
 */
export async function createSpanishSession(
  browser: Browser,
  url: string,
  options: { page?: Page; glossary?: string; keepTranscript?: boolean; private?: boolean } = {},
): Promise<{ speaker: Page; code: string }> {
  const speaker = options.page ?? (await (await browser.newContext()).newPage());
  await speaker.goto(`${url}/speaker/`);
  await speaker.getByRole("button", { name: "Create session" }).waitFor();
  for (const box of await speaker.getByRole("group", { name: "Listeners can choose" }).getByRole("checkbox").all()) {
    if ((await box.evaluate((e) => e.closest("label")?.textContent ?? "")).trim() !== "Español") await box.uncheck();
  }
  if (options.glossary) await speaker.getByRole("textbox", { name: "Glossary" }).fill(options.glossary);
  if (options.keepTranscript) await speaker.getByRole("checkbox", { name: /^Keep a transcript/ }).check();
  await speaker.getByRole("checkbox", { name: /^Private/ }).setChecked(options.private ?? false);
  await speaker.getByRole("button", { name: "Create session" }).click();
  const code = (await speaker.getByLabel("Session code").last().textContent())!.trim();
  const status = speaker.getByRole("status", { name: "Connection" });
  const deadline = Date.now() + scaledTimeout(30_000);
  while ((await status.textContent())?.trim() !== "Connected") {
    if (Date.now() > deadline) throw new Error(`the speaker app did not connect: "${await status.textContent()}"`);
    await speaker.waitForTimeout(100);
  }
  return { speaker, code };
}

/**
 * Reads pages without acting on them. Playwright's own evaluations (page.evaluate, locators) run as a user gesture,
 * which would unlock audio or grant a wake lock before the listener's tap; a plain DevTools evaluation does not.
 */
export function pageReader(): <T>(page: Page, expression: string) => Promise<T | undefined> {
  const sessions = new Map<Page, CDPSession>();
  return async <T>(page: Page, expression: string) => {
    if (!sessions.has(page)) sessions.set(page, await page.context().newCDPSession(page));
    const { result } = await sessions.get(page)!.send("Runtime.evaluate", { expression, returnByValue: true });
    return result.value as T | undefined;
  };
}

/**
 * Presses Tab until `target` has the keyboard focus, as a keyboard user reaches a control; fails when it is not
 * reached within `limit` presses (it is out of the tab order). A key press is user input, as a tap is.
 */
export async function tabTo(page: Page, target: Locator, limit = 30): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) return;
  }
  throw new Error(`${target} was not reached with Tab in ${limit} presses`);
}

/**
 * What the organiser and the listener get beyond captions and audio, through both apps in Chromium as a user
 * works them, with local mode as its own process and the real engines:
 * - the speaker app's glossary box: a term the speaker says comes out at the Spanish listener exactly as the
 *   glossary says, in every caption whose source has it;
 * - "keep a transcript": after End session the speaker app offers the downloads; the Spanish WebVTT (read by
 *   Chromium's own WebVTT parser) and the source text hold what the listener was shown, cues timed from the talk;
 * - the listener's screen kept awake (Screen Wake Lock, which Chromium grants by default) while listening, and
 *   let go when the session ends; where the browser refuses it, the listener is told, and the app asks again at
 *   the next tap;
 * - the listener told plainly when the connection is lost (local mode killed) and when it is back (restarted on
 *   the same port and data folder).
 * One local mode process (restarted once, at the end) and one browser for all of it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import type { Utterance } from "@livetranslate/testing/fixtures";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSpanishSession, launchChromium, microphoneTalk, pageReader } from "../testing/chromium.ts";
import { ProtocolClient } from "../testing/client.ts";
import { type LocalProcess, startLocalProcess } from "../testing/local-process.ts";

/** Words pocketsphinx hears in LJ001-0001 and LJ001-0005 ("printing"), and in LJ001-0005 ("century"). */
const GLOSSARY = ["printing = IMPRENTA-XYZ", "century = es: SIGLO-XYZ"].join("\n");
const TERMS = [
  { term: "printing", es: "IMPRENTA-XYZ" },
  { term: "century", es: "SIGLO-XYZ" },
];
const CLIPS = ["LJ001-0001.wav", "LJ001-0002.wav", "LJ001-0005.wav"];
const PAUSE_MS = 1500;
/** How far a cue may reach beyond its clip: the segmenter's lead-in and hangover. */
const CUE_TOLERANCE_SECONDS = 1;

/** Whole words, case-insensitive, as the glossary matches them. */
const wholeWord = (word: string) => new RegExp(`(?<![\\p{L}\\p{N}])${word}(?![\\p{L}\\p{N}])`, "giu");
const occurrences = (text: string, word: string) => text.match(wholeWord(word))?.length ?? 0;

/** A Screen Wake Lock request the listener page made, as the browser answered it. */
interface WakeLockRequest {
  type: string;
  outcome: "pending" | "granted" | string;
  released: boolean;
}

// Page-side scripts are strings: this package is type-checked without the DOM's types.

/**
 * Runs in the listener's page before the app: records each `navigator.wakeLock.request` the app makes and what
 * the browser answered (`window.wakeLockRequests`), calling the browser's own API (nothing is faked).
 */
const RECORD_WAKE_LOCK_REQUESTS = `(() => {
  const requests = (window.wakeLockRequests = []);
  if (typeof WakeLock === "undefined") return;
  const request = WakeLock.prototype.request;
  WakeLock.prototype.request = async function (type) {
    const entry = { type: String(type), outcome: "pending", released: false };
    requests.push(entry);
    try {
      const sentinel = await request.call(this, type);
      entry.outcome = "granted";
      sentinel.addEventListener("release", () => (entry.released = true));
      return sentinel;
    } catch (error) {
      entry.outcome = error.name;
      throw error;
    }
  };
})()`;

/** Records every alert and status the page's main part shows, in the order they appeared (`window.notices`). */
const RECORD_NOTICES = `(() => {
  const seen = (window.notices = []);
  const collect = () => {
    for (const element of document.querySelectorAll("main [role=alert], main [role=status]")) {
      if (seen.at(-1) !== element.textContent) seen.push(element.textContent);
    }
  };
  new MutationObserver(collect).observe(document.body, { childList: true, subtree: true, characterData: true });
  collect();
})()`;

/** Chromium's own WebVTT parser (a <track>) reads `text`: the cues, in seconds. */
const parseWebVtt = (text: string) => `(async () => {
  const video = document.body.appendChild(document.createElement("video"));
  const track = video.appendChild(document.createElement("track"));
  const loaded = new Promise((resolve, reject) => {
    track.addEventListener("load", resolve);
    track.addEventListener("error", () => reject(new Error("Chromium could not load the WebVTT file")));
  });
  track.kind = "subtitles";
  track.src = URL.createObjectURL(new Blob([${JSON.stringify(text)}], { type: "text/vtt" }));
  track.track.mode = "hidden";
  await loaded;
  return Array.from(track.track.cues).map((cue) => ({ start: cue.startTime, end: cue.endTime, text: cue.text }));
})()`;

describe("the organiser's glossary and transcript, and the listener's screen and connection, in Chromium", () => {
  const processes: LocalProcess[] = [];
  let browser: Browser;
  let workDir: string;
  let dataDir: string;
  let utterances: Utterance[];

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), "livetranslate-organiser-"));
    dataDir = path.join(workDir, "data");
    const talk = microphoneTalk(workDir, CLIPS, PAUSE_MS);
    utterances = talk.utterances;
    processes.push(await startLocalProcess({ LIVETRANSLATE_DATA_DIR: dataDir }));
    browser = await launchChromium(talk.file);
  }, scaledTimeout(120_000));

  afterAll(async () => {
    await browser?.close();
    for (const local of processes) await local.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // Reads a page without acting on it (no user gesture: see pageReader).
  const read = pageReader();
  const wakeLockRequests = (page: Page) => read<WakeLockRequest[]>(page, "window.wakeLockRequests");
  const status = (page: Page) => page.getByRole("status", { name: "Status" }).textContent();

  it("holds glossary terms in the listener's captions, keeps the transcript of what was said, and keeps the screen on", async () => {
    const local = processes[0]!;
    // The speaker app's WebSocket, watched: the audio it sends (ms of the talk, by chunk), the final lines it gets.
    const speaker = await (await browser.newContext()).newPage();
    const chunks = new Map<number, number>();
    const finals = new Map<number, string>();
    speaker.on("websocket", (socket) => {
      socket.on("framesent", ({ payload }) => {
        if (typeof payload !== "string" || !payload.includes('"audioChunk"')) return;
        const chunk = JSON.parse(payload) as { chunkIndex: number; audioData: string };
        chunks.set(chunk.chunkIndex, Buffer.from(chunk.audioData, "base64").length / 2 / 16);
      });
      socket.on("framereceived", ({ payload }) => {
        const message = typeof payload === "string" && payload.startsWith("{") ? (JSON.parse(payload) as { type: string; isFinal?: boolean; sequenceNumber: number; text: string }) : undefined;
        if (message?.type === "transcript" && message.isFinal) finals.set(message.sequenceNumber, message.text);
      });
    });
    const sentAudioMs = () => [...chunks.values()].reduce((sum, ms) => sum + ms, 0);
    const { code } = await createSpanishSession(browser, local.url, { page: speaker, glossary: GLOSSARY, keepTranscript: true });

    // The Spanish listener joins by link. The app asks for the screen wake lock as it joins, without a tap.
    const esContext = await browser.newContext();
    await esContext.addInitScript({ content: RECORD_WAKE_LOCK_REQUESTS });
    const es = await esContext.newPage();
    await es.goto(`${local.url}/listen/${code}?lang=es`);
    await expect.poll(() => status(es)).toContain("Captions only");
    await expect.poll(async () => (await wakeLockRequests(es))?.map((r) => r.outcome)).toEqual(["granted"]);
    expect((await wakeLockRequests(es))![0]!.type).toBe("screen");
    await es.getByText("Your screen stays on while you listen").waitFor();
    // Enabling audio asks again only if the lock is not held: it is, so one lock, still held.
    await es.getByRole("button", { name: "Enable audio" }).click();
    await expect.poll(() => status(es)).toMatch(/Live|Playing|Buffering/);
    expect((await wakeLockRequests(es))!.map((r) => [r.outcome, r.released])).toEqual([["granted", false]]);
    await expect.poll(() => speaker.locator(".count[data-language='es']").textContent(), { timeout: scaledTimeout(15_000) }).toBe("1");
    // Beside the app (which takes segments in parts), a client of whole segments: the transcript holds those.
    const whole = await ProtocolClient.connect(local.wsUrl, { role: "listener", sessionId: code, language: "es" });

    // The whole talk is spoken, then the speaker stops and ends the session.
    await speaker.getByRole("button", { name: "Start" }).click();
    const talkMs = utterances.at(-1)!.endMs + PAUSE_MS;
    await expect.poll(sentAudioMs, { timeout: scaledTimeout(talkMs + 60_000), interval: 500 }).toBeGreaterThanOrEqual(talkMs);
    await speaker.getByRole("button", { name: "Stop" }).click();
    await speaker.getByRole("button", { name: "End session" }).click();
    // Every segment reaches the listener before "Session ended".
    await expect.poll(() => status(es), { timeout: scaledTimeout(60_000) }).toContain("Session ended");
    // The screen may sleep again: the lock is released, and the page no longer says it stays on.
    await expect.poll(async () => (await wakeLockRequests(es))!.map((r) => r.released)).toEqual([true]);
    expect(await es.getByText("Your screen stays on while you listen").count()).toBe(0);

    const captions = await es.locator(".caption").evaluateAll((items) =>
      items.map((item) => ({ translation: item.querySelector(".translation")?.textContent ?? "", source: item.querySelector(".source")?.textContent ?? "" })),
    );
    console.log(`organiser: the Spanish listener read\n  ${captions.map((c) => `"${c.source}" -> "${c.translation}"`).join("\n  ")}`);
    expect(captions.length).toBeGreaterThanOrEqual(CLIPS.length);
    // The listener missed no line the speaker's app showed.
    expect(captions.map((c) => c.source)).toEqual([...finals].sort(([a], [b]) => a - b).map(([, text]) => text));
    expect(captions.filter((c) => !c.translation || c.translation === "…")).toEqual([]);

    // Glossary: wherever a caption's source has a term, its translation has the term's Spanish, exactly, as often.
    for (const { term, es: translation } of TERMS) {
      for (const caption of captions) {
        const what = `"${term}" in ${JSON.stringify(caption)}`;
        expect(caption.translation.split(translation).length - 1, what).toBe(occurrences(caption.source, term));
        expect(occurrences(caption.translation, term), what).toBe(0);
      }
    }
    expect(captions.reduce((n, c) => n + occurrences(c.source, "printing"), 0)).toBeGreaterThanOrEqual(1);

    // Transcript: the speaker app offers the downloads once the session has ended.
    const transcript = speaker.getByRole("region", { name: "Transcript" });
    await transcript.waitFor({ timeout: scaledTimeout(30_000) });
    const download = async (button: string) => {
      const [file] = await Promise.all([speaker.waitForEvent("download"), transcript.getByRole("button", { name: button }).click()]);
      return { name: file.suggestedFilename(), text: readFileSync((await file.path())!, "utf8") };
    };

    // The Spanish WebVTT, parsed by Chromium's own WebVTT parser (a <track> on a page of local mode's origin).
    const vtt = await download("Español WebVTT");
    expect(vtt.name).toBe(`${code}-es.vtt`);
    expect(vtt.text.startsWith("WEBVTT\n")).toBe(true);
    const reader = await (await browser.newContext()).newPage();
    await reader.goto(`${local.url}/health`);
    const cues = await reader.evaluate<{ start: number; end: number; text: string }[]>(parseWebVtt(vtt.text));
    console.log(`organiser: es.vtt cues\n  ${cues.map((c) => `${c.start.toFixed(3)} --> ${c.end.toFixed(3)} ${c.text}`).join("\n  ")}`);
    // Every cue the file has was read (the parser skips a malformed one silently): one per line the listener read,
    // each segment translated whole, as a listener of whole segments got it (the app's captions joined its parts,
    // each translated as it came).
    expect(cues.length).toBe(vtt.text.split("-->").length - 1);
    expect(cues.length).toBe(captions.length);
    const wholeTranslations = whole.messages("translation").sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    await whole.close();
    expect(cues.map((c) => c.text)).toEqual(wholeTranslations.map((t) => t.text));
    // Timed from the talk's audio: in order, none overlapping, and each inside the clip it was said in, once the
    // recording's start (before the microphone was opened, unknown to the test) is lined up on the first cue.
    for (const [i, cue] of cues.entries()) {
      expect(cue.end, `cue ${i + 1}`).toBeGreaterThan(cue.start);
      if (i > 0) expect(cue.start, `cue ${i + 1}`).toBeGreaterThanOrEqual(cues[i - 1]!.end);
    }
    const shift = utterances[0]!.voicedStartMs / 1000 - cues[0]!.start;
    const clipOf = (cue: { start: number; end: number }) =>
      utterances.findIndex((u) => cue.start + shift >= u.startMs / 1000 - CUE_TOLERANCE_SECONDS && cue.end + shift <= u.endMs / 1000 + CUE_TOLERANCE_SECONDS);
    const clips = cues.map(clipOf);
    expect(clips, "the clip each cue lies in, by its times").not.toContain(-1);
    expect(new Set(clips).size, "every clip has its cues").toBe(CLIPS.length);

    // The source transcript as text: one line per segment, what the speaker and the listener read.
    const txt = await download("English Text");
    expect(txt.name).toBe(`${code}-en.txt`);
    expect(txt.text.split("\n").slice(0, -1)).toEqual(captions.map((c) => c.source));
    expect(txt.text.endsWith("\n")).toBe(true);
  }, scaledTimeout(300_000));

  it("tells the listener plainly when the browser will not keep the screen on, when the connection is lost and when it is back", async () => {
    const first = processes[0]!;
    const { speaker, code } = await createSpanishSession(browser, first.url);
    // This listener's browser refuses the wake lock for the site (as with battery saver on): DevTools grants the
    // permissions listed, none here, and refuses the others.
    const listenerContext = await browser.newContext();
    await listenerContext.grantPermissions([], { origin: first.url });
    const listener = await listenerContext.newPage();
    await listener.goto(`${first.url}/listen/${code}?lang=es`);
    await expect.poll(() => status(listener)).toContain("Captions only");
    await listener.getByText("Your browser would not keep the screen on").waitFor();
    expect(await listener.getByText("Your screen stays on while you listen").count()).toBe(0);
    // Allowed again, the app asks again at the listener's next tap, and says the screen stays on.
    await listenerContext.grantPermissions(["screen-wake-lock"], { origin: first.url });
    await listener.getByRole("button", { name: "Enable audio" }).click();
    await listener.getByText("Your screen stays on while you listen").waitFor();
    expect(await listener.getByText("Your browser would not keep the screen on").count()).toBe(0);
    await read(listener, RECORD_NOTICES);
    expect(await listener.getByRole("alert").count()).toBe(0);

    // Local mode dies: the listener reads that the connection is lost, and what it means for them.
    await first.kill();
    await expect.poll(() => listener.getByRole("alert").textContent(), { timeout: scaledTimeout(30_000) }).toMatch(/^Connection lost\. Reconnecting/);
    expect(await status(listener)).toContain("Reconnecting");

    // Back on the same port and data folder: the listener's app reconnects by itself and says so.
    processes.push(await startLocalProcess({ PORT: String(first.port), LIVETRANSLATE_DATA_DIR: dataDir }));
    await expect.poll(() => status(listener), { timeout: scaledTimeout(60_000) }).toMatch(/Live|Playing|Buffering/);
    await expect.poll(() => read<string[]>(listener, "window.notices")).toEqual([
      "Connection lost. Reconnecting… Captions and audio will continue when the connection is back.",
      "Connected again. Captions and audio continue from now.",
    ]);
    expect(await listener.getByRole("alert").count()).toBe(0);
    // The speaker's app is back too, so the session can end as usual.
    await expect.poll(() => speaker.getByRole("status", { name: "Connection" }).textContent(), { timeout: scaledTimeout(30_000) }).toContain("Connected");
    await speaker.getByRole("button", { name: "End session" }).click();
    await expect.poll(() => status(listener), { timeout: scaledTimeout(60_000) }).toContain("Session ended");
  }, scaledTimeout(180_000));
});

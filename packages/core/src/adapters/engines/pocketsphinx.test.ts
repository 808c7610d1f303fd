import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { concatPcm } from "../../audio/index.ts";
import { chunksOf, englishClips, readWav, wordErrorRate } from "@livetranslate/testing/fixtures";
import { PocketsphinxRecognizer } from "./pocketsphinx.ts";

/** Feeds a clip in 100 ms pieces, as the pipeline does, as one segment of a stream; the interim and final texts. */
async function transcribe(recognizer: PocketsphinxRecognizer, pcm: Int16Array) {
  const stream = recognizer.startStream("en");
  const interims: string[] = [];
  for (const chunk of chunksOf(pcm, 100)) interims.push(await stream.write(chunk));
  const text = await stream.endSegment();
  await stream.end();
  return { interims, text };
}

/** Largest delay of a 10 ms timer while `work` runs: how long the event loop was blocked. */
async function maxEventLoopLag(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

describe("PocketsphinxRecognizer (real pocketsphinx)", () => {
  const recognizer = new PocketsphinxRecognizer();
  afterAll(() => recognizer.close());

  it("transcribes real speech fed in 100 ms pieces, with interim hypotheses", async () => {
    let errors = 0;
    let words = 0;
    let audioSeconds = 0;
    const lines: string[] = [];
    const started = performance.now();
    for (const clip of englishClips()) {
      const pcm = readWav(clip.file); // wavefile, resampled to 16 kHz where needed
      audioSeconds += pcm.length / 16_000;
      const { interims, text } = await transcribe(recognizer, pcm);
      expect(interims.filter(Boolean).length).toBeGreaterThan(0);
      const wer = wordErrorRate(clip.text, text);
      const n = clip.text.split(/\s+/).length;
      errors += wer * n;
      words += n;
      lines.push(`${path.basename(clip.file)} WER ${(wer * 100).toFixed(0)}%: ${text}`);
    }
    const rtf = (performance.now() - started) / 1000 / audioSeconds;
    const wer = errors / words;
    console.log(`pocketsphinx: WER ${(wer * 100).toFixed(1)}% over ${words} words, real-time factor ${rtf.toFixed(2)}\n  ${lines.join("\n  ")}`);
    expect(wer).toBeLessThan(0.7);
  });

  it("keeps concurrent utterances apart (one decoder each)", async () => {
    const [a, b] = englishClips();
    const [ta, tb] = await Promise.all([transcribe(recognizer, readWav(a!.file)), transcribe(recognizer, readWav(b!.file))]);
    expect(wordErrorRate(a!.text, ta.text)).toBeLessThan(wordErrorRate(b!.text, ta.text));
    expect(wordErrorRate(b!.text, tb.text)).toBeLessThan(wordErrorRate(a!.text, tb.text));
  });

  it("gives a segment the same text whatever its decoder decoded before", async () => {
    const [a, b] = englishClips().map((clip) => readWav(clip.file));
    const single = new PocketsphinxRecognizer({ poolSize: 1 });
    try {
      // One decoder: the second time, it has adapted to the first clip and to b itself.
      const first = await transcribe(single, b!);
      await transcribe(single, a!);
      const again = await transcribe(single, b!);
      expect(first.text).not.toBe("");
      expect(again.text).toBe(first.text);
      // As the talk end-to-end tests play them: after the clip before it, or first on a decoder.
      const [, , , d, e] = englishClips().map((clip) => readWav(clip.file));
      await transcribe(single, d!);
      const afterD = await transcribe(single, e!);
      const fresh = new PocketsphinxRecognizer({ poolSize: 1 });
      try {
        expect((await transcribe(fresh, e!)).text).toBe(afterD.text);
      } finally {
        fresh.close();
      }
    } finally {
      single.close();
    }
  });

  it("gives a segment the same text however its audio was split into writes", async () => {
    // Over 3 s: long enough for the decoder's live CMN to move its window while decoding.
    const pcm = readWav(englishClips()[0]!.file);
    const inPieces = async (samples: number) => {
      const stream = recognizer.startStream("en");
      for (let at = 0; at < pcm.length; at += samples) void stream.write(pcm.subarray(at, at + samples));
      const text = await stream.endSegment();
      await stream.end();
      return text;
    };
    const streamed = await inPieces(1600);
    expect(streamed).not.toBe("");
    expect(await inPieces(16_000)).toBe(streamed);
    expect(await inPieces(pcm.length)).toBe(streamed);
    expect(await inPieces(1000)).toBe(streamed);
  });

  it("ends a phrase at a pause and carries on with the next: the segment's text is both phrases', the same however written", async () => {
    // Two sentences as one segment, a pause between them.
    const clips = [englishClips()[3]!, englishClips()[0]!];
    const [a, b] = clips.map((clip) => readWav(clip.file));
    const pcm = concatPcm([a!, b!]);
    const withPause = async (pieceSamples: number) => {
      const stream = recognizer.startStream("en");
      const interims: Promise<string>[] = [];
      for (let at = 0; at < a!.length; at += pieceSamples) interims.push(stream.write(pcm.subarray(at, Math.min(a!.length, at + pieceSamples))));
      stream.pause();
      for (let at = a!.length; at < pcm.length; at += pieceSamples) interims.push(stream.write(pcm.subarray(at, Math.min(pcm.length, at + pieceSamples))));
      const text = await stream.endSegment();
      await stream.end();
      return { text, interims: await Promise.all(interims) };
    };
    const first = (await transcribe(recognizer, a!)).text;
    const streamed = await withPause(1600);
    expect(first).not.toBe("");
    // The first phrase is decoded as it would be alone; the second carries on from the decoder's state.
    expect(streamed.text.startsWith(`${first} `)).toBe(true);
    expect(wordErrorRate(clips[1]!.text, streamed.text.slice(first.length + 1))).toBeLessThan(0.5);
    // Interim hypotheses of the second phrase include the first phrase's final text.
    expect(streamed.interims.at(-1)!.startsWith(`${first} `)).toBe(true);
    // However the audio was split into writes, the same text: a rebuilt environment's stream agrees.
    expect((await withPause(16_000)).text).toBe(streamed.text);
    expect((await withPause(1000)).text).toBe(streamed.text);
  });

  it("times the words of the phrase being heard, from the segment's start, a pause starting the next phrase", async () => {
    const clips = [englishClips()[3]!, englishClips()[0]!];
    const [a, b] = clips.map((clip) => readWav(clip.file));
    const stream = recognizer.startStream("en");
    const heard = async (pcm: Int16Array) => {
      for (const chunk of chunksOf(pcm, 100)) await stream.write(chunk);
      return stream.phraseWords();
    };
    const first = await heard(a!);
    expect(first.length).toBeGreaterThan(3);
    // Words in order, inside the audio written; the last one ends near the clip's voice (not in its leading silence).
    const ends = first.map((w) => w.endSample);
    expect(ends).toEqual([...ends].sort((x, y) => x - y));
    expect(ends.at(-1)!).toBeLessThanOrEqual(a!.length);
    expect(ends.at(-1)!).toBeGreaterThan(a!.length / 2);
    expect(first.every((w) => /^[a-z']+$/.test(w.text) && w.stable === undefined)).toBe(true);
    expect(wordErrorRate(clips[0]!.text, first.map((w) => w.text).join(" "))).toBeLessThan(0.7);
    const phrase = await stream.pause();
    expect(await stream.phraseWords()).toEqual([]);
    const second = await heard(b!);
    expect(second.length).toBeGreaterThan(0);
    // The next phrase's words are timed from the segment's start too: after the first clip.
    expect(second[0]!.endSample).toBeGreaterThan(a!.length);
    expect(second.at(-1)!.endSample).toBeLessThanOrEqual(a!.length + b!.length);
    expect(phrase).not.toBe("");
    await stream.endSegment();
    await stream.end();
  });

  it("keeps the event loop free while decoding and while building more decoders", async () => {
    const clip = englishClips()[1]!;
    const pcm = readWav(clip.file);
    const fresh = new PocketsphinxRecognizer({ poolSize: 1 });
    try {
      // One idle decoder: the other two are built (~0.3 s each) while the first decodes.
      const lag = await maxEventLoopLag(() => Promise.all([1, 2, 3].map(() => transcribe(fresh, pcm))));
      console.log(`pocketsphinx: worst event-loop delay with three utterances at once: ${lag.toFixed(0)} ms`);
      // Decoding on the main thread would block it for a whole clip (seconds); the bound follows the machine.
      expect(lag).toBeLessThan(scaledTimeout(150));
    } finally {
      fresh.close();
    }
  });

  it("carries segments one after another in one stream, each as if transcribed alone", async () => {
    const [a, b] = englishClips().map((clip) => readWav(clip.file));
    const alone = [(await transcribe(recognizer, a!)).text, (await transcribe(recognizer, b!)).text];
    const stream = recognizer.startStream("en");
    // Written without waiting, as the consumer does: calls take effect in order.
    const writes = [...chunksOf(a!, 100)].map((chunk) => stream.write(chunk));
    const first = stream.endSegment();
    writes.push(...[...chunksOf(b!, 100)].map((chunk) => stream.write(chunk)));
    const second = stream.endSegment();
    await Promise.all(writes);
    expect([await first, await second]).toEqual(alone);
    expect(alone[0]).not.toBe("");
    await stream.end();
    await expect(stream.write(a!)).rejects.toThrow(/already ended/);
  });

  it("ends a segment at a cut short of what it heard, leaving out the words after it", async () => {
    const [a, , b] = englishClips().map((clip) => readWav(clip.file));
    // Three seconds of silence between them, which pocketsphinx's front end would drop (and the words' times with it).
    const both = concatPcm([a!, new Int16Array(48_000), b!]);
    const alone = (await transcribe(recognizer, a!)).text;
    const heard = async (endSample?: number) => {
      const stream = recognizer.startStream("en");
      for (const chunk of chunksOf(both, 100)) void stream.write(chunk);
      const text = await stream.endSegment(endSample);
      await stream.end();
      return text;
    };
    const whole = await heard();
    const cut = await heard(a!.length + 24_000);
    // The same final pass, its words up to the cut: the first clip's, give or take the word at the seam.
    expect(whole.startsWith(cut)).toBe(true);
    expect(Math.abs(cut.split(" ").length - alone.split(" ").length)).toBeLessThanOrEqual(2);
    expect(whole.split(" ").length - cut.split(" ").length).toBeGreaterThan(5);
    // A cut at the end leaves nothing out.
    expect(await heard(both.length)).toBe(whole);
  });

  it("hears nothing in silence, and refuses other languages", async () => {
    const stream = recognizer.startStream("en");
    await stream.write(new Int16Array(16_000));
    expect(await stream.endSegment()).toBe("");
    // A segment with no audio: nothing to decode.
    expect(await stream.endSegment()).toBe("");
    await stream.end();
    expect(() => recognizer.startStream("fr")).toThrow(/English only/);
  });

  it("gives the decoder of an aborted stream to the next one", async () => {
    const clip = englishClips()[4]!;
    const pcm = readWav(clip.file);
    const single = new PocketsphinxRecognizer({ poolSize: 1 });
    try {
      const aborted = single.startStream("en");
      // A stream holds a decoder only while a segment is open.
      expect(single.idleDecoders).toBe(1);
      await aborted.write(pcm.subarray(0, 8000));
      expect(single.idleDecoders).toBe(0);
      aborted.abort();
      await expect(aborted.write(pcm)).rejects.toThrow(/already ended/);
      await vi.waitFor(() => expect(single.idleDecoders).toBe(1), { timeout: scaledTimeout(5_000) });
      const { text } = await transcribe(single, pcm);
      expect(single.idleDecoders).toBe(1);
      console.log(`pocketsphinx after an abort: ${text}`);
      expect(wordErrorRate(clip.text, text)).toBeLessThan(0.6);
    } finally {
      single.close();
    }
  });

  it("refuses new streams once closed", () => {
    const closing = new PocketsphinxRecognizer({ poolSize: 1 });
    closing.close();
    expect(() => closing.startStream("en")).toThrow(/closed/);
  });

  it("names the Debian package when the model is missing", () => {
    expect(() => new PocketsphinxRecognizer({ modelDir: "/nonexistent" })).toThrow(/pocketsphinx-en-us.*apt-get install -y pocketsphinx pocketsphinx-en-us/);
  });
});

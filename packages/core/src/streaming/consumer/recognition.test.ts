import { describe, expect, it } from "vitest";
import { memoryLog } from "../../log.ts";
import type { RecognitionStream, SessionVocabulary, SpeechRecognizer } from "../../ports/index.ts";
import type { ClosedSegment } from "../segmenter/index.ts";
import { LiveRecognition, RECOGNIZER_MAX_STREAM_MS } from "./recognition.ts";

/** Names each stream by the order it was started in, and counts what each heard. */
function numberedRecognizer(): SpeechRecognizer & { started: number; ended: number; vocabularies: (SessionVocabulary | undefined)[] } {
  const recognizer = {
    languages: ["en"],
    started: 0,
    ended: 0,
    vocabularies: [] as (SessionVocabulary | undefined)[],
    startStream(_language: string, vocabulary?: SessionVocabulary): RecognitionStream {
      const name = ++recognizer.started;
      recognizer.vocabularies.push(vocabulary);
      let samples = 0;
      return {
        write: async (pcm) => `stream ${name} heard ${(samples += pcm.length)}`,
        endSegment: async (endSample) => {
          const text = `stream ${name} heard ${Math.min(samples, endSample ?? samples)}`;
          samples = 0;
          return text;
        },
        pause: async () => "",
        phraseWords: async () => [],
        end: async () => void recognizer.ended++,
        abort: () => void recognizer.ended++,
      };
    },
  };
  return recognizer;
}

const segment = (sequenceNumber: number, startSample: number, samples: number): ClosedSegment => ({
  sequenceNumber,
  startSample,
  endSample: startSample + samples,
  speechEndSample: startSample + samples,
  cause: "pause",
  pcm: new Int16Array(samples),
  pauses: [],
});

describe("LiveRecognition", () => {
  it("starts the session's streams with its vocabulary, and takes up its custom vocabulary once ready, between two segments", async () => {
    const recognizer = numberedRecognizer();
    const log = memoryLog();
    const recognition = new LiveRecognition(recognizer, log);
    const building: SessionVocabulary = { terms: ["Kinesis"] };
    const ready: SessionVocabulary = { terms: ["Kinesis"], name: "livetranslate-s" };
    recognition.feed("s", "en", 0, new Int16Array(1600), 0, building);
    expect(await recognition.take("s", "en", segment(1, 0, 1600), building)()).toBe("stream 1 heard 1600");
    recognition.feed("s", "en", 16_000, new Int16Array(1600), 16_000, building);
    // Ready in the middle of a segment: the segment stays on its stream.
    recognition.feed("s", "en", 17_600, new Int16Array(1600), 16_000, ready);
    expect(await recognition.take("s", "en", segment(2, 16_000, 3200), ready)()).toBe("stream 1 heard 3200");
    recognition.feed("s", "en", 32_000, new Int16Array(1600), 32_000, ready);
    expect(await recognition.take("s", "en", segment(3, 32_000, 1600), ready)()).toBe("stream 2 heard 1600");
    recognition.feed("s", "en", 48_000, new Int16Array(1600), 48_000, ready);
    expect(await recognition.take("s", "en", segment(4, 48_000, 1600), ready)()).toBe("stream 2 heard 1600");
    expect(recognizer.vocabularies).toEqual([building, ready]);
    expect(log.entries.find((e) => e.event === "recognition.stream_ended")).toMatchObject({ reason: "vocabulary" });
    // A segment no stream heard whole is transcribed with the session's vocabulary too.
    await recognition.take("s", "en", segment(5, 64_000, 1600), ready)();
    expect(recognizer.vocabularies.at(-1)).toBe(ready);
  });

  it("ends a stream nearing Transcribe's 4-hour limit between two segments, and starts the next segment on a new one", async () => {
    let now = 0;
    const recognizer = numberedRecognizer();
    const log = memoryLog();
    const recognition = new LiveRecognition(recognizer, log, undefined, () => now);
    const speak = async (sequenceNumber: number, startSample: number) => {
      recognition.feed("s", "en", startSample, new Int16Array(1600), startSample);
      return recognition.take("s", "en", segment(sequenceNumber, startSample, 1600))();
    };
    expect(await speak(1, 0)).toBe("stream 1 heard 1600");
    // Hours of talk, never 10 s apart: the same request carries on until it is old.
    now = RECOGNIZER_MAX_STREAM_MS - 1;
    expect(await speak(2, 16_000)).toBe("stream 1 heard 1600");
    now = RECOGNIZER_MAX_STREAM_MS;
    expect(await speak(3, 32_000)).toBe("stream 2 heard 1600");
    expect(recognizer.ended).toBe(1);
    expect(log.entries.find((e) => e.event === "recognition.stream_ended")).toMatchObject({ reason: "age" });
  });

  it("ends a segment cut short of what its stream heard at the cut, and hears the next one afresh from there", async () => {
    const recognizer = numberedRecognizer();
    const recognition = new LiveRecognition(recognizer, memoryLog());
    // The stream heard 1 s; the segment was cut at 0.8 s, and the next one starts there.
    recognition.feed("s", "en", 0, new Int16Array(16_000), 0);
    const cut = { ...segment(1, 0, 12_800), cause: "maxLength" as const };
    const first = recognition.take("s", "en", cut);
    recognition.feed("s", "en", 12_800, new Int16Array(4_800), 12_800);
    const next = recognition.take("s", "en", segment(2, 12_800, 4_800));
    expect([await first(), await next()]).toEqual(["stream 1 heard 12800", "stream 2 heard 4800"]);
    expect(recognizer.ended).toBe(1);
  });

  it("ends phrases where the segmenter noted pauses, whether it streams the segment, replays it, or transcribes it whole", async () => {
    // Text: the samples heard, with "|" where a phrase ended.
    const phrased = (): SpeechRecognizer => ({
      languages: ["en"],
      startStream() {
        let text = "";
        let samples = 0;
        return {
          write: async (pcm) => `${text}${(samples += pcm.length)}`,
          pause: async () => {
            const phrase = String(samples);
            text += `${samples}|`;
            samples = 0;
            return phrase;
          },
          endSegment: async () => {
            const final = `${text}${samples}`;
            text = "";
            samples = 0;
            return final;
          },
          phraseWords: async () => [],
          end: async () => undefined,
          abort: () => undefined,
        };
      },
    });
    const closed = { ...segment(1, 0, 4800), pauses: [1600, 3200] };
    // Live: audio, a pause, audio, a pause, audio.
    const live = new LiveRecognition(phrased(), memoryLog());
    live.feed("s", "en", 0, new Int16Array(1600), 0);
    live.pause("s", 0, 1600);
    live.feed("s", "en", 1600, new Int16Array(1600), 0);
    live.pause("s", 0, 3200);
    live.feed("s", "en", 3200, new Int16Array(1600), 0);
    expect(await live.take("s", "en", closed)()).toBe("1600|1600|1600");
    // Replayed into a new stream in one piece (an environment rebuilding the open segment).
    const replayed = new LiveRecognition(phrased(), memoryLog());
    replayed.feedWithPauses("s", "en", 0, new Int16Array(4800), 0, [1600, 3200]);
    expect(await replayed.take("s", "en", closed)()).toBe("1600|1600|1600");
    // Heard by no stream: transcribed from its own audio.
    const whole = new LiveRecognition(phrased(), memoryLog());
    expect(await whole.take("s", "en", closed)()).toBe("1600|1600|1600");
    // A pause that does not match what the stream heard is not passed on.
    const stale = new LiveRecognition(phrased(), memoryLog());
    stale.feed("s", "en", 0, new Int16Array(1600), 0);
    stale.pause("s", 0, 800);
    stale.feed("s", "en", 1600, new Int16Array(3200), 0);
    expect(await stale.take("s", "en", { ...closed, pauses: [] })()).toBe("4800");
  });

  it("gives a stream's phrase words as far as they are decoded, to a caller that cannot wait for a catch-up", async () => {
    // Each write is decoded when the test says; the phrase's words are one per 1 600 samples written and decoded.
    const decodes: (() => void)[] = [];
    let decoded = 0;
    const word = (i: number) => ({ text: `w${i}`, endSample: (i + 1) * 1_600 });
    // Calls take effect in order: the words come after the writes before them.
    let tail: Promise<unknown> = Promise.resolve();
    const recognizer: SpeechRecognizer = {
      languages: ["en"],
      startStream: () => ({
        write: (pcm) => {
          const write = new Promise<string>((resolve) => decodes.push(() => resolve(String((decoded += pcm.length)))));
          tail = write;
          return write;
        },
        phraseWords: () => tail.then(() => Array.from({ length: decoded / 1_600 }, (_, i) => word(i))),
        pause: async () => "",
        endSegment: async () => "",
        end: async () => undefined,
        abort: () => undefined,
      }),
    };
    const recognition = new LiveRecognition(recognizer, memoryLog());
    const texts = (words: { text: string; stable?: boolean }[] | undefined) => words?.map((w) => `${w.text}${w.stable ? "" : "?"}`);
    recognition.feed("s", "en", 0, new Int16Array(3_200), 0);
    decodes.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // A catch-up of 2 writes, not decoded yet: what was decoded goes, without waiting.
    recognition.feed("s", "en", 3_200, new Int16Array(1_600), 0);
    recognition.feed("s", "en", 4_800, new Int16Array(1_600), 0);
    expect(texts(await recognition.phraseWords("s", 0, false))).toEqual(["w0?", "w1?"]);
    // Nothing more decoded: nothing new to judge.
    expect(await recognition.phraseWords("s", 0, false)).toBeUndefined();
    decodes.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The words that agree with the previous answer are stable.
    expect(texts(await recognition.phraseWords("s", 0, false))).toEqual(["w0", "w1", "w2?"]);
    // A pause: the words decoded before it are no longer the current phrase's.
    recognition.pause("s", 0, 6_400);
    decodes.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await recognition.phraseWords("s", 0, false)).toBeUndefined();
  });
});

import { EngineNotSupportedException, PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import { pollyThrottling, translateThrottling } from "../quota/index.ts";
import {
  BadRequestException,
  LimitExceededException,
  StartStreamTranscriptionCommand,
  TranscribeStreamingClient,
  type AudioStream,
  type TranscriptResultStream,
} from "@aws-sdk/client-transcribe-streaming";
import { TranslateClient, TranslateTextCommand } from "@aws-sdk/client-translate";
import { sdkStreamMixin } from "@smithy/util-stream";
import { mockClient } from "aws-sdk-client-mock";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { memoryLog } from "../../log.ts";
import type { SessionVocabulary } from "../../ports/index.ts";
import { expectDeclaredCalls } from "@livetranslate/testing/iam";
import { POLLY_NEURAL_REGIONS, PollySynthesizer } from "./polly.ts";
import { TranscribeRecognizer } from "./transcribe.ts";
import { translatePart } from "../../streaming/pipeline/index.ts";
import { AwsTranslator } from "./translate.ts";

const transcribe = mockClient(TranscribeStreamingClient);
const translate = mockClient(TranslateClient);
const polly = mockClient(PollyClient);
afterEach(() => {
  transcribe.reset();
  translate.reset();
  polly.reset();
});
// Registered after the reset: after-each hooks run last-registered first, so these see the test's calls.
expectDeclaredCalls(transcribe, TranscribeRecognizer.iamActions);
expectDeclaredCalls(translate, AwsTranslator.iamActions);
expectDeclaredCalls(polly, PollySynthesizer.iamActions);

/** A result without word timing, starting `at` seconds into the request's audio. */
const result = (text: string, isPartial: boolean, at = 0): TranscriptResultStream => ({
  TranscriptEvent: { Transcript: { Results: [{ IsPartial: isPartial, ResultId: "r", StartTime: at, EndTime: at + 0.5, Alternatives: [{ Transcript: text }] }] } },
});

/** A result as Transcribe documents it: words (and punctuation) with their times in the request's audio. */
function timed(isPartial: boolean, words: [content: string, start: number, end: number, stable?: boolean][]): TranscriptResultStream {
  const items = words.map(([Content, StartTime, EndTime, Stable]) => ({
    Content,
    StartTime,
    EndTime,
    Type: /^[.,?!]$/.test(Content) ? ("punctuation" as const) : ("pronunciation" as const),
    Stable: isPartial ? (Stable ?? false) : undefined,
  }));
  const text = items.reduce((t, i) => (i.Type === "punctuation" ? t + i.Content : `${t} ${i.Content}`), "").trim();
  return {
    TranscriptEvent: {
      Transcript: {
        Results: [{ IsPartial: isPartial, ResultId: "r", StartTime: words[0]![1], EndTime: words.at(-1)![2], Alternatives: [{ Transcript: text, Items: items }] }],
      },
    },
  };
}

/** A fake Transcribe stream: reads every audio event the adapter sends, then answers with `events`. */
function fakeStream(events: TranscriptResultStream[], received: Uint8Array[][]) {
  return async (input: { AudioStream?: AsyncIterable<AudioStream> }) => {
    const chunks: Uint8Array[] = [];
    received.push(chunks);
    for await (const event of input.AudioStream!) chunks.push(event.AudioEvent!.AudioChunk!);
    return {
      TranscriptResultStream: (async function* () {
        yield* events;
      })(),
    };
  };
}

/**
 * A fake Transcribe stream that answers while the audio flows, as the service does: after each audio event, whatever
 * `respond` gives for the seconds of audio heard so far in this request.
 */
function liveStream(respond: (heardSeconds: number) => TranscriptResultStream[], received: Uint8Array[][] = []) {
  return async (input: { AudioStream?: AsyncIterable<AudioStream> }) => {
    const chunks: Uint8Array[] = [];
    received.push(chunks);
    return {
      TranscriptResultStream: (async function* () {
        let bytes = 0;
        for await (const event of input.AudioStream!) {
          chunks.push(event.AudioEvent!.AudioChunk!);
          bytes += event.AudioEvent!.AudioChunk!.byteLength;
          yield* respond(bytes / 32_000);
        }
      })(),
    };
  };
}

/** One segment, as the consumer uses a stream for a segment transcribed on its own. */
async function transcribeOnce(recognizer: TranscribeRecognizer, language: string, pcm: Int16Array, vocabulary?: SessionVocabulary) {
  const stream = recognizer.startStream(language, vocabulary);
  await stream.write(pcm);
  const text = stream.endSegment();
  await stream.end();
  return text;
}

const second = new Int16Array(16_000).fill(1);

describe("TranscribeRecognizer (mocked Transcribe Streaming)", () => {
  const recognizer = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), attempts: 3 });

  it("streams 16 kHz PCM in 100 ms audio events and returns the final results only", async () => {
    const received: Uint8Array[][] = [];
    transcribe
      .on(StartStreamTranscriptionCommand)
      .callsFake(fakeStream([result("hello", true, 0.1), result("hello world", false, 0.1), result("how are", true, 0.9), result("how are you", false, 0.9)], received));
    expect(await transcribeOnce(recognizer, "en", new Int16Array(24_800).fill(1))).toBe("hello world how are you");
    const input = transcribe.commandCalls(StartStreamTranscriptionCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      LanguageCode: "en-US",
      MediaEncoding: "pcm",
      MediaSampleRateHertz: 16_000,
      EnablePartialResultsStabilization: true,
      PartialResultsStability: "high",
    });
    expect(received[0]!.map((c) => c.byteLength)).toEqual([...Array(15).fill(3200), 1600]);
    expect(received[0]![0]![0]).toBe(1); // little-endian
  });

  it("carries several segments in one request, giving each the words whose audio time falls in it", async () => {
    const received: Uint8Array[][] = [];
    // Transcribe's own result runs across our segment boundary (1.0 s): its words are split by time.
    transcribe.on(StartStreamTranscriptionCommand).callsFake(
      fakeStream([timed(false, [["hello", 0.2, 0.5], ["world", 0.6, 0.9], [".", 0.9, 0.9], ["how", 1.2, 1.4], ["are", 1.5, 1.7]]), timed(false, [["you", 2.2, 2.5], ["?", 2.5, 2.5]])], received),
    );
    const stream = recognizer.startStream("en");
    // As the consumer does: calls in order, none awaited before the next.
    void stream.write(second);
    const first = stream.endSegment();
    void stream.write(second);
    const next = stream.endSegment();
    void stream.write(second);
    const last = stream.endSegment();
    await stream.end();
    expect([await first, await next, await last]).toEqual(["hello world.", "how are", "you?"]);
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)).toHaveLength(1);
    expect(received[0]!.reduce((n, c) => n + c.byteLength, 0)).toBe(3 * 32_000);
  });

  it("gives a segment its text while the stream stays open, once Transcribe has finished its words", async () => {
    const patient = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), settleMs: 60_000, finalWaitMs: 60_000 });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(
      liveStream((heard) => {
        if (heard === 1) return [timed(true, [["good", 0.1, 0.4, true], ["morning", 0.5, 0.9]])];
        if (heard === 1.1) return [timed(false, [["good", 0.1, 0.4], ["morning", 0.5, 0.9]])];
        return [];
      }),
    );
    const stream = patient.startStream("en");
    expect(await stream.write(second)).toBe("");
    const first = stream.endSegment();
    let text: string | undefined;
    void first.then((t) => (text = t));
    // The last word is still partial: the segment waits for it.
    await new Promise((r) => setTimeout(r, 20));
    expect(text).toBeUndefined();
    // The next segment's first audio brings the final result; the segment is done, long before any timeout.
    await stream.write(second.subarray(0, 1600));
    await vi.waitFor(() => expect(text).toBe("good morning"));
    stream.abort();
  });

  it("takes the stable words before a boundary inside a result once Transcribe has heard past it", async () => {
    const patient = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), settleMs: 60_000, finalWaitMs: 60_000 });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(
      liveStream((heard) =>
        heard === 1.5
          ? [timed(true, [["a", 0.1, 0.3, true], ["long", 0.4, 0.7, true], ["sentence", 0.8, 1.0, true], ["goes", 1.1, 1.3], ["on", 1.35, 1.45]])]
          : [],
      ),
    );
    const stream = patient.startStream("en");
    void stream.write(second.subarray(0, 15_200)); // a cut at 0.95 s: inside "sentence" at its middle (0.9 s)
    const first = stream.endSegment();
    void stream.write(second.subarray(0, 8800));
    expect(await first).toBe("a long sentence");
    expect(await stream.write(second.subarray(0, 1600))).toBe("goes on");
    stream.abort();
  });

  it("at a pause, commits the words since the last one that its results hold stable, up to the first that may change", async () => {
    // Prepare
    const patient = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), settleMs: 60_000, finalWaitMs: 60_000 });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(
      liveStream((heard) => {
        if (heard === 1) return [timed(true, [["we", 0.1, 0.3, true], ["begin", 0.35, 0.6, true], ["now", 0.65, 0.8, true], ["and", 0.85, 0.95]])];
        if (heard === 2) return [timed(false, [["we", 0.1, 0.3], ["begin", 0.35, 0.6], ["now", 0.65, 0.8], ["and", 0.85, 0.95], ["so", 1.2, 1.4], ["on", 1.5, 1.7]])];
        return [];
      }),
    );
    const stream = patient.startStream("en");
    // Act and assess: "and" is not stable yet, so it waits for the next pause.
    await stream.write(second);
    await new Promise((r) => setTimeout(r, 20));
    expect(await stream.pause()).toBe("we begin now");
    expect(await stream.pause()).toBe("");
    await stream.write(second);
    await new Promise((r) => setTimeout(r, 20));
    expect(await stream.pause()).toBe("and so on");
    // The segment's text is still all of it.
    expect(await stream.endSegment()).toBe("we begin now and so on");
    stream.abort();
  });

  it("gives the phrase's words with their stable marks, punctuation and ends in the segment, after the last pause's commit", async () => {
    // Prepare
    const patient = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), settleMs: 60_000, finalWaitMs: 60_000 });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(
      liveStream((heard) => {
        if (heard === 1) return [timed(true, [["we", 0.1, 0.3, true], ["begin", 0.35, 0.6, true], [",", 0.6, 0.6, true], ["and", 0.85, 0.95]])];
        if (heard === 2) return [timed(true, [["we", 0.1, 0.3, true], ["begin", 0.35, 0.6, true], [",", 0.6, 0.6, true], ["and", 0.85, 0.95, true], ["so", 1.2, 1.4]])];
        return [];
      }),
    );
    const stream = patient.startStream("en");
    // Act and assess
    await stream.write(second);
    await new Promise((r) => setTimeout(r, 20));
    expect(await stream.phraseWords()).toEqual([
      { text: "we", endSample: 4_800, stable: true },
      { text: "begin,", endSample: 9_600, stable: true },
      { text: "and", endSample: 15_200, stable: false },
    ]);
    expect(await stream.pause()).toBe("we begin,");
    await stream.write(second);
    await new Promise((r) => setTimeout(r, 20));
    expect(await stream.phraseWords()).toEqual([
      { text: "and", endSample: 15_200, stable: true },
      { text: "so", endSample: 22_400, stable: false },
    ]);
    stream.abort();
  });

  it("replaying an open segment into a new stream, commits at the next live pause only the words after the replayed pauses", async () => {
    // Prepare: the segment so far (two phrases, committed at their pauses by another environment's stream) is
    // replayed into a new request, written at once as the consumer does, its pauses marked; Transcribe answers
    // while the audio flows, each phrase turning final after its pause.
    const patient = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), settleMs: 60_000, finalWaitMs: 60_000 });
    const phrases: [string, number, number][][] = [
      [["we", 0.1, 0.3], ["begin", 0.35, 0.6], ["now", 0.65, 0.8]],
      [["and", 1.1, 1.3], ["so", 1.35, 1.6], ["on", 1.65, 1.8]],
      [["until", 2.1, 2.3], ["we", 2.35, 2.6], ["stop", 2.65, 2.8]],
    ];
    const stable = (phrase: [string, number, number][]) => phrase.map(([w, start, end]): [string, number, number, boolean] => [w, start, end, true]);
    const answers: Record<number, TranscriptResultStream[]> = {
      5: [timed(true, [["we", 0.1, 0.3, true], ["begin", 0.35, 0.6]])],
      11: [timed(false, phrases[0]!)],
      21: [timed(false, phrases[1]!)],
      30: [timed(true, stable(phrases[2]!))],
      31: [timed(false, phrases[2]!)],
    };
    transcribe.on(StartStreamTranscriptionCommand).callsFake(liveStream((heard) => answers[Math.round(heard * 10)] ?? []));
    const stream = patient.startStream("en");
    const replayed = [stream.write(second), stream.pause(), stream.write(second), stream.pause()];
    // Act: the speaker goes on, live.
    await stream.write(second);
    // Assess: the phrase's words are those after the replayed pauses' commits...
    await vi.waitFor(async () => expect((await stream.phraseWords()).map((w) => w.text)).toEqual(["until", "we", "stop"]));
    await stream.write(second.subarray(0, 1600));
    const live = await stream.pause();
    // ...the replayed pauses took the phrases they ended, and the live one only what followed them.
    expect((await Promise.all(replayed)).filter((_, i) => i % 2 === 1)).toEqual(["we begin now", "and so on"]);
    expect(live).toBe("until we stop");
    expect(await stream.endSegment()).toBe("we begin now and so on until we stop");
    stream.abort();
  });

  it("ends a segment at a cut short of what it heard: the words after it are left out", async () => {
    // Prepare: two seconds heard, the segment cut at 1.1 s (a segment cut at its maximum length).
    transcribe.on(StartStreamTranscriptionCommand).callsFake(
      liveStream((heard) =>
        heard === 2 ? [timed(false, [["we", 0.1, 0.3], ["begin", 0.35, 0.6], ["now", 0.65, 1.0], ["and", 1.2, 1.3], ["so", 1.4, 1.6]])] : [],
      ),
    );
    const stream = recognizer.startStream("en");
    // Act
    void stream.write(second);
    void stream.write(second);
    const text = stream.endSegment(17_600);
    await stream.end();
    // Assess: "and" (its middle at 1.25 s) was said after the cut.
    expect(await text).toBe("we begin now");
  });

  it("gives up waiting after finalWaitMs and takes the words it has", async () => {
    const hasty = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), settleMs: 10_000, finalWaitMs: 50 });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(liveStream((heard) => (heard === 1 ? [timed(true, [["maybe", 0.2, 0.6]])] : [])));
    const stream = hasty.startStream("en");
    void stream.write(second);
    expect(await stream.endSegment()).toBe("maybe");
    stream.abort();
  });

  it("after a failure mid-stream, starts a new request from the segment still waiting, its times counted from there", async () => {
    const received: Uint8Array[][] = [];
    transcribe
      .on(StartStreamTranscriptionCommand)
      .callsFakeOnce(
        liveStream((heard) => {
          if (heard === 1) return [timed(false, [["first", 0.2, 0.8]])];
          if (heard === 1.5) return [{ ServiceUnavailableException: Object.assign(new Error("unavailable"), { name: "ServiceUnavailableException" }) } as TranscriptResultStream];
          return [];
        }, received),
      )
      .callsFake(fakeStream([timed(false, [["second", 0.1, 0.6]])], received));
    const stream = recognizer.startStream("en");
    void stream.write(second);
    expect(await stream.endSegment()).toBe("first");
    void stream.write(second);
    const next = stream.endSegment();
    await stream.end();
    // The new request heard the second segment only, and its "second" (0.1-0.6 s there) is at 1.1-1.6 s of the stream.
    expect(await next).toBe("second");
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)).toHaveLength(2);
    expect(received[1]!.reduce((n, c) => n + c.byteLength, 0)).toBe(32_000);
  });

  it("starts again with the whole utterance's audio when the stream limit is exceeded", async () => {
    const received: Uint8Array[][] = [];
    transcribe
      .on(StartStreamTranscriptionCommand)
      .rejectsOnce(new LimitExceededException({ message: "too many concurrent streams", $metadata: {} }))
      .callsFake(fakeStream([result("second try", false)], received));
    expect(await transcribeOnce(recognizer, "es", new Int16Array(3200))).toBe("second try");
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)).toHaveLength(2);
    expect(received[0]!.reduce((n, c) => n + c.byteLength, 0)).toBe(6400);
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)[1]!.args[0].input.LanguageCode).toBe("es-US");
  });

  it("retries an error that arrives inside the result stream, and gives up on a bad request", async () => {
    transcribe
      .on(StartStreamTranscriptionCommand)
      .callsFakeOnce(fakeStream([{ InternalFailureException: Object.assign(new Error("internal"), { name: "InternalFailureException" }) } as TranscriptResultStream], []))
      .callsFake(fakeStream([result("recovered", false)], []));
    expect(await transcribeOnce(recognizer, "en", new Int16Array(1600))).toBe("recovered");

    transcribe.reset();
    transcribe.on(StartStreamTranscriptionCommand).rejects(new BadRequestException({ message: "Your stream is too big", $metadata: {} }));
    const bad = recognizer.startStream("en");
    await bad.write(new Int16Array(1600));
    const text = bad.endSegment();
    await expect(bad.end()).resolves.toBeUndefined();
    await expect(text).rejects.toThrow(/too big/);
    await expect(bad.write(new Int16Array(1600))).rejects.toThrow(/too big/);
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)).toHaveLength(1);
  });

  it("names the custom vocabulary of the stream's language only (a vocabulary has one language)", async () => {
    const withVocabulary = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), vocabularies: { en: "conference-terms" } });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(fakeStream([result("hello", false, 0.1)], []));
    await transcribeOnce(withVocabulary, "en", second);
    transcribe.on(StartStreamTranscriptionCommand).callsFake(fakeStream([result("hola", false, 0.1)], []));
    await transcribeOnce(withVocabulary, "es", second);
    const [en, es] = transcribe.commandCalls(StartStreamTranscriptionCommand).map((call) => call.args[0].input);
    expect(en!.VocabularyName).toBe("conference-terms");
    expect(es!.VocabularyName).toBeUndefined();
  });

  it("names the session's own vocabulary once it is ready, the deployment-wide one until then", async () => {
    const withVocabulary = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), vocabularies: { en: "conference-terms" } });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(fakeStream([result("hello", false, 0.1)], []));
    await transcribeOnce(withVocabulary, "en", second, { terms: ["Kinesis"] });
    transcribe.on(StartStreamTranscriptionCommand).callsFake(fakeStream([result("hello", false, 0.1)], []));
    await transcribeOnce(withVocabulary, "en", second, { terms: ["Kinesis"], name: "livetranslate-joyful-hope-911" });
    const [building, ready] = transcribe.commandCalls(StartStreamTranscriptionCommand).map((call) => call.args[0].input);
    expect(building!.VocabularyName).toBe("conference-terms");
    expect(ready!.VocabularyName).toBe("livetranslate-joyful-hope-911");
  });

  it("refuses a language it has no locale for", () => {
    expect(() => recognizer.startStream("xx")).toThrow(/"xx"/);
  });
});

describe("AwsTranslator (mocked Translate)", () => {
  it("sends TranslateText with the language codes and custom terminology", async () => {
    translate.on(TranslateTextCommand).resolves({ TranslatedText: "Hola mundo", SourceLanguageCode: "en", TargetLanguageCode: "es" });
    const translator = new AwsTranslator({ client: new TranslateClient({ region: "us-east-1" }), terminologyNames: ["church-terms"] });
    expect(await translator.translate("Hello world", "en", "es")).toBe("Hola mundo");
    expect(translate.commandCalls(TranslateTextCommand)[0]!.args[0].input).toEqual({
      Text: "Hello world",
      SourceLanguageCode: "en",
      TargetLanguageCode: "es",
      TerminologyNames: ["church-terms"],
    });
    expect(translator.pairs).toContainEqual({ source: "en", target: "de" });
  });

  it("translates a part in its segment's context in two requests, or in one when parts in context are turned off", async () => {
    // Prepare: Translate's answers for the context alone and for the context with the part.
    translate
      .on(TranslateTextCommand, { Text: "we went to see" })
      .resolves({ TranslatedText: "Fuimos a ver" })
      .on(TranslateTextCommand, { Text: "we went to see John in London" })
      .resolves({ TranslatedText: "Fuimos a ver a John en Londres" })
      .on(TranslateTextCommand, { Text: "John in London" })
      .resolves({ TranslatedText: "John en Londres" });
    const client = new TranslateClient({ region: "us-east-1" });
    const part = { before: "we went to see", text: "John in London" };
    // Act
    const inContext = await translatePart(new AwsTranslator({ client }), part, "en", "es", undefined);
    const billedInContext = translate.commandCalls(TranslateTextCommand).map((c) => c.args[0].input.Text);
    translate.resetHistory();
    const off = new AwsTranslator({ client, partsInContext: false });
    const alone = await translatePart(off, part, "en", "es", undefined, off.partsInContext);
    // Assess: the context is billed again with the part, unless turned off.
    expect(new AwsTranslator({ client }).partsInContext).toBe(true);
    expect(inContext).toEqual({ text: "a John en Londres", method: "context" });
    expect(billedInContext.sort()).toEqual(["we went to see", "we went to see John in London"]);
    expect(alone).toEqual({ text: "John en Londres", method: "alone" });
    expect(translate.commandCalls(TranslateTextCommand).map((c) => c.args[0].input.Text)).toEqual(["John in London"]);
  });

  it("retries a service failure, hands a throttle up at once (the pipeline's quota budget owns it) and surfaces a bad request at once", async () => {
    const translator = new AwsTranslator({ client: new TranslateClient({ region: "us-east-1" }) });
    translate.on(TranslateTextCommand).rejectsOnce(Object.assign(new Error("Service unavailable"), { name: "ServiceUnavailableException" })).resolves({ TranslatedText: "Bonjour" });
    expect(await translator.translate("Hello", "en", "fr")).toBe("Bonjour");
    translate.reset();
    translate.on(TranslateTextCommand).rejectsOnce(translateThrottling()).resolves({ TranslatedText: "Bonjour" });
    await expect(translator.translate("Hello", "en", "fr")).rejects.toMatchObject({ name: "TooManyRequestsException", $metadata: { httpStatusCode: 429 } });
    expect(translate.commandCalls(TranslateTextCommand)).toHaveLength(1);
    translate.reset();
    translate.on(TranslateTextCommand).rejects(Object.assign(new Error("Unsupported language pair"), { name: "UnsupportedLanguagePairException" }));
    await expect(translator.translate("Hello", "en", "xx")).rejects.toThrow(/Unsupported/);
    expect(translate.commandCalls(TranslateTextCommand)).toHaveLength(1);
  });
});

/** 50 MPEG-2 layer III frames, 24 kHz mono, 48 kbit/s: 50 x 576 samples = 1.2 s. */
function silentMp3(): Uint8Array {
  const frame = new Uint8Array(144);
  frame.set([0xff, 0xf3, 0x64, 0xc0]);
  const out = new Uint8Array(144 * 50);
  for (let i = 0; i < 50; i++) out.set(frame, i * 144);
  return out;
}

describe("PollySynthesizer (mocked Polly)", () => {
  it("asks for MP3 at 24 kHz from the language's neural voice and measures the audio", async () => {
    polly.on(SynthesizeSpeechCommand).resolves({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])), ContentType: "audio/mpeg" });
    const synthesizer = new PollySynthesizer({ client: new PollyClient({ region: "us-east-1" }), region: "us-east-1" });
    const audio = await synthesizer.synthesize("Bonjour à tous", "fr");
    expect(polly.commandCalls(SynthesizeSpeechCommand)[0]!.args[0].input).toMatchObject({
      Text: "Bonjour à tous",
      VoiceId: "Lea",
      Engine: "neural",
      OutputFormat: "mp3",
      SampleRate: "24000",
    });
    expect(audio.format).toBe("audio/mpeg");
    expect(audio.durationSeconds).toBeCloseTo(1.2, 1);
  });

  it("uses the standard engine where the language has no neural voice", async () => {
    polly.on(SynthesizeSpeechCommand).resolves({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) });
    await new PollySynthesizer({ client: new PollyClient({ region: "us-east-1" }), region: "us-east-1" }).synthesize("Привет", "ru");
    expect(polly.commandCalls(SynthesizeSpeechCommand)[0]!.args[0].input).toMatchObject({ VoiceId: "Tatyana", Engine: "standard" });
  });

  it("backs off on a service failure, but hands a throttle up at once (the pipeline degrades the voice past its budget)", async () => {
    polly
      .on(SynthesizeSpeechCommand)
      .rejectsOnce(Object.assign(new Error("Service unavailable"), { name: "ServiceUnavailableException" }))
      .resolves({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) });
    const synthesizer = new PollySynthesizer({ client: new PollyClient({ region: "us-east-1" }), region: "us-east-1" });
    const audio = await synthesizer.synthesize("Hola", "es");
    expect(audio.data.byteLength).toBe(7200);
    expect(polly.commandCalls(SynthesizeSpeechCommand)).toHaveLength(2);
    polly.reset();
    polly.on(SynthesizeSpeechCommand).rejectsOnce(pollyThrottling()).resolves({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) });
    await expect(synthesizer.synthesize("Hola", "es")).rejects.toMatchObject({ name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400 } });
    expect(polly.commandCalls(SynthesizeSpeechCommand)).toHaveLength(1);
  });

  it("asks for the standard voice when told to, and for the neural one where the language has no standard voice", async () => {
    polly.on(SynthesizeSpeechCommand).callsFake(async () => ({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) }));
    const synthesizer = new PollySynthesizer({ client: new PollyClient({ region: "us-east-1" }), region: "us-east-1" });
    await synthesizer.synthesize("Hola", "es", { engine: "standard" });
    await synthesizer.synthesize("Hola", "ca", { engine: "standard" });
    expect(polly.commandCalls(SynthesizeSpeechCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ VoiceId: "Lucia", Engine: "standard" }),
      expect.objectContaining({ VoiceId: "Arlet", Engine: "neural" }),
    ]);
  });

  it("names a language without a voice", async () => {
    await expect(new PollySynthesizer({ client: new PollyClient({ region: "us-east-1" }), region: "us-east-1" }).synthesize("x", "eo")).rejects.toThrow(/"eo"/);
  });

  it("asks for Hindi from the bilingual neural voice with LanguageCode hi-IN (its default language is en-IN)", async () => {
    polly.on(SynthesizeSpeechCommand).resolves({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) });
    await new PollySynthesizer({ client: new PollyClient({ region: "ap-south-1" }), region: "ap-south-1" }).synthesize("नमस्ते", "hi");
    expect(polly.commandCalls(SynthesizeSpeechCommand)[0]!.args[0].input).toMatchObject({ VoiceId: "Kajal", Engine: "neural", LanguageCode: "hi-IN" });
  });

  it("uses standard voices in a region without neural ones, says so once, and offers no neural-only language there", async () => {
    polly.on(SynthesizeSpeechCommand).callsFake(async () => ({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) }));
    const log = memoryLog();
    expect(POLLY_NEURAL_REGIONS).not.toContain("eu-south-1");
    const synthesizer = new PollySynthesizer({ client: new PollyClient({ region: "eu-south-1" }), region: "eu-south-1", log });
    await synthesizer.synthesize("नमस्ते", "hi");
    await synthesizer.synthesize("Hallo", "nl");
    expect(polly.commandCalls(SynthesizeSpeechCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ VoiceId: "Aditi", Engine: "standard", LanguageCode: "hi-IN" }),
      expect.objectContaining({ VoiceId: "Lotte", Engine: "standard" }),
    ]);
    expect(log.entries).toEqual([expect.objectContaining({ level: "warn", event: "polly.standard_voices", region: "eu-south-1" })]);
    expect(synthesizer.languages).not.toContain("ca");
    expect(synthesizer.languages).toContain("hi");
    await expect(synthesizer.synthesize("Hola", "ca")).rejects.toThrow(/"ca" in eu-south-1/);
  });

  it("falls back to the standard voice when the service refuses the neural engine, and stays there", async () => {
    polly
      .on(SynthesizeSpeechCommand, { Engine: "neural" })
      .rejects(new EngineNotSupportedException({ message: "This engine is not compatible with the voice", $metadata: { httpStatusCode: 400 } }))
      .on(SynthesizeSpeechCommand, { Engine: "standard" })
      .callsFake(async () => ({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) }));
    const log = memoryLog();
    const synthesizer = new PollySynthesizer({ client: new PollyClient({ region: "eu-west-1" }), region: "eu-west-1", log });
    const audio = await synthesizer.synthesize("Hej", "sv");
    await synthesizer.synthesize("Hej igen", "sv");
    expect(audio.format).toBe("audio/mpeg");
    expect(polly.commandCalls(SynthesizeSpeechCommand).map((c) => [c.args[0].input.VoiceId, c.args[0].input.Engine])).toEqual([
      ["Elin", "neural"],
      ["Astrid", "standard"],
      ["Astrid", "standard"],
    ]);
    expect(log.entries).toEqual([expect.objectContaining({ event: "polly.standard_voices", language: "sv", reason: "the neural engine was refused" })]);
  });
});

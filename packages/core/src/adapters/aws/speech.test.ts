import { EngineNotSupportedException, PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
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
import { afterEach, describe, expect, it } from "vitest";
import { memoryLog } from "../../log.ts";
import { expectDeclaredCalls } from "../../testing/iam.ts";
import { POLLY_NEURAL_REGIONS, PollySynthesizer } from "./polly.ts";
import { TranscribeRecognizer } from "./transcribe.ts";
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

const result = (text: string, isPartial: boolean): TranscriptResultStream => ({
  TranscriptEvent: { Transcript: { Results: [{ IsPartial: isPartial, ResultId: "r", StartTime: 0, EndTime: 1, Alternatives: [{ Transcript: text }] }] } },
});

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

describe("TranscribeRecognizer (mocked Transcribe Streaming)", () => {
  const recognizer = new TranscribeRecognizer({ client: new TranscribeStreamingClient({ region: "us-east-1" }), attempts: 3 });

  it("streams 16 kHz PCM in 100 ms audio events and returns the final results only", async () => {
    const received: Uint8Array[][] = [];
    transcribe.on(StartStreamTranscriptionCommand).callsFake(fakeStream([result("hello", true), result("hello world", false), result("how are", true), result("how are you", false)], received));
    const utterance = recognizer.startUtterance("en");
    await utterance.write(new Int16Array(4000).fill(1));
    expect(await utterance.finish()).toBe("hello world how are you");
    const input = transcribe.commandCalls(StartStreamTranscriptionCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      LanguageCode: "en-US",
      MediaEncoding: "pcm",
      MediaSampleRateHertz: 16_000,
      EnablePartialResultsStabilization: true,
      PartialResultsStability: "high",
    });
    expect(received[0]!.map((c) => c.byteLength)).toEqual([3200, 3200, 1600]);
    expect(received[0]![0]![0]).toBe(1); // little-endian
  });

  it("starts again with the whole utterance's audio when the stream limit is exceeded", async () => {
    const received: Uint8Array[][] = [];
    transcribe
      .on(StartStreamTranscriptionCommand)
      .rejectsOnce(new LimitExceededException({ message: "too many concurrent streams", $metadata: {} }))
      .callsFake(fakeStream([result("second try", false)], received));
    const utterance = recognizer.startUtterance("es");
    await utterance.write(new Int16Array(3200));
    expect(await utterance.finish()).toBe("second try");
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)).toHaveLength(2);
    expect(received[0]!.reduce((n, c) => n + c.byteLength, 0)).toBe(6400);
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)[1]!.args[0].input.LanguageCode).toBe("es-US");
  });

  it("retries an error that arrives inside the result stream, and gives up on a bad request", async () => {
    transcribe
      .on(StartStreamTranscriptionCommand)
      .callsFakeOnce(fakeStream([{ InternalFailureException: Object.assign(new Error("internal"), { name: "InternalFailureException" }) } as TranscriptResultStream], []))
      .callsFake(fakeStream([result("recovered", false)], []));
    const first = recognizer.startUtterance("en");
    await first.write(new Int16Array(1600));
    expect(await first.finish()).toBe("recovered");

    transcribe.reset();
    transcribe.on(StartStreamTranscriptionCommand).rejects(new BadRequestException({ message: "Your stream is too big", $metadata: {} }));
    const bad = recognizer.startUtterance("en");
    await bad.write(new Int16Array(1600));
    await expect(bad.finish()).rejects.toThrow(/too big/);
    expect(transcribe.commandCalls(StartStreamTranscriptionCommand)).toHaveLength(1);
  });

  it("refuses a language it has no locale for", () => {
    expect(() => recognizer.startUtterance("xx")).toThrow(/"xx"/);
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

  it("retries throttling and surfaces a bad request at once", async () => {
    const translator = new AwsTranslator({ client: new TranslateClient({ region: "us-east-1" }) });
    translate.on(TranslateTextCommand).rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" })).resolves({ TranslatedText: "Bonjour" });
    expect(await translator.translate("Hello", "en", "fr")).toBe("Bonjour");
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

  it("backs off on throttling (small neural quota) and then succeeds", async () => {
    polly
      .on(SynthesizeSpeechCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .resolves({ AudioStream: sdkStreamMixin(Readable.from([silentMp3()])) });
    const audio = await new PollySynthesizer({ client: new PollyClient({ region: "us-east-1" }), region: "us-east-1" }).synthesize("Hola", "es");
    expect(audio.data.byteLength).toBe(7200);
    expect(polly.commandCalls(SynthesizeSpeechCommand)).toHaveLength(3);
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

/**
 * Speech to text with Amazon Transcribe Streaming: one `StartStreamTranscription` per utterance, fed while
 * the speaker talks (16 kHz PCM in audio events of 100 ms, within the documented 50-200 ms), partial
 * results stabilized for the speaker's interim view, final results joined for the pipeline. The audio of
 * the utterance is kept, so a throttled or failed stream is started again from the beginning.
 */
import {
  type LanguageCode,
  StartStreamTranscriptionCommand,
  type TranscribeStreamingClient,
  type TranscriptResultStream,
} from "@aws-sdk/client-transcribe-streaming";
import { pushable, type Pushable } from "it-pushable";
import type { SpeechRecognizer, Utterance } from "../../ports.ts";
import type { IamAction } from "./iam.ts";
import { withRetries } from "./retry.ts";

/** ISO 639-1 -> the Transcribe streaming locale used for it. */
export const TRANSCRIBE_LANGUAGES: Record<string, LanguageCode> = {
  en: "en-US",
  es: "es-US",
  fr: "fr-FR",
  de: "de-DE",
  it: "it-IT",
  pt: "pt-BR",
  ja: "ja-JP",
  ko: "ko-KR",
  zh: "zh-CN",
  hi: "hi-IN",
  ar: "ar-SA",
  nl: "nl-NL",
  sv: "sv-SE",
  da: "da-DK",
  ru: "ru-RU",
  tr: "tr-TR",
  pl: "pl-PL",
  ca: "ca-ES",
} as LanguageCode extends string ? Record<string, LanguageCode> : never;

/** 100 ms of 16 kHz s16le mono. */
export const AUDIO_EVENT_BYTES = 3200;

export interface TranscribeOptions {
  client: TranscribeStreamingClient;
  /** Attempts for one utterance when the service throttles or fails (limit exceeded, 5xx). */
  attempts?: number;
  vocabularyName?: string;
}

export class TranscribeRecognizer implements SpeechRecognizer {
  static readonly iamActions: readonly IamAction[] = [{ action: "transcribe:StartStreamTranscription", resource: "*" }];
  readonly languages = Object.keys(TRANSCRIBE_LANGUAGES);

  constructor(private readonly options: TranscribeOptions) {}

  startUtterance(language: string): Utterance {
    const languageCode = TRANSCRIBE_LANGUAGES[language];
    if (!languageCode) throw new Error(`Amazon Transcribe streaming is not set up for "${language}"`);
    return new TranscribeUtterance(this.options, languageCode);
  }
}

function toAudioEvents(pcm: Int16Array): Uint8Array[] {
  const bytes = new Uint8Array(pcm.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
  const events: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += AUDIO_EVENT_BYTES) events.push(bytes.subarray(at, at + AUDIO_EVENT_BYTES));
  return events;
}

class TranscribeUtterance implements Utterance {
  private readonly audio: Uint8Array[] = [];
  private input: Pushable<Uint8Array>;
  private finals: string[] = [];
  private partial = "";
  private result: Promise<void>;
  private ended = false;

  constructor(
    private readonly options: TranscribeOptions,
    private readonly languageCode: LanguageCode,
  ) {
    this.input = pushable<Uint8Array>();
    this.result = this.run();
    this.result.catch(() => undefined);
  }

  async write(pcm: Int16Array): Promise<string> {
    for (const event of toAudioEvents(pcm)) {
      this.audio.push(event);
      this.input.push(event);
    }
    return [...this.finals, this.partial].filter(Boolean).join(" ");
  }

  async finish(): Promise<string> {
    this.ended = true;
    this.input.end();
    await this.result;
    return this.finals.join(" ").trim();
  }

  abort(): void {
    this.ended = true;
    this.input.end(new Error("utterance aborted"));
  }

  /** One stream; on a retryable failure, a new stream replays the audio so far. */
  private run(): Promise<void> {
    return withRetries(() => this.stream(), this.options.attempts ?? 4, () => {
      this.finals = [];
      this.partial = "";
      const replay = pushable<Uint8Array>();
      for (const event of this.audio) replay.push(event);
      if (this.ended) replay.end();
      this.input = replay;
    });
  }

  private async stream(): Promise<void> {
    const input = this.input;
    async function* audioStream() {
      for await (const chunk of input) yield { AudioEvent: { AudioChunk: chunk } };
    }
    const response = await this.options.client.send(
      new StartStreamTranscriptionCommand({
        LanguageCode: this.languageCode,
        MediaEncoding: "pcm",
        MediaSampleRateHertz: 16_000,
        EnablePartialResultsStabilization: true,
        PartialResultsStability: "high",
        VocabularyName: this.options.vocabularyName,
        AudioStream: audioStream(),
      }),
    );
    for await (const event of response.TranscriptResultStream ?? []) this.receive(event);
  }

  private receive(event: TranscriptResultStream): void {
    const streamError =
      event.BadRequestException ?? event.LimitExceededException ?? event.InternalFailureException ?? event.ConflictException ?? event.ServiceUnavailableException;
    if (streamError) throw streamError;
    for (const result of event.TranscriptEvent?.Transcript?.Results ?? []) {
      const text = result.Alternatives?.[0]?.Transcript?.trim() ?? "";
      if (result.IsPartial) this.partial = text;
      else {
        if (text) this.finals.push(text);
        this.partial = "";
      }
    }
  }
}

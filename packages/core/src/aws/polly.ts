/// <reference path="../untyped-modules.d.ts" />
/**
 * Speech with Amazon Polly: one voice per language, the neural engine where the voice has one (standard
 * otherwise), MP3 at 24 kHz. Throttling (the neural quota is small by default) is retried with backoff.
 */
import { type Engine, type PollyClient, SynthesizeSpeechCommand, type VoiceId } from "@aws-sdk/client-polly";
import getMp3Duration from "get-mp3-duration";
import type { SpeechSynthesizer, SynthesizedAudio } from "../ports.ts";
import { withRetries } from "./retry.ts";

/** The voice used for each language and whether it has a neural version (Polly's voice list). */
export const POLLY_VOICES: Record<string, { voice: VoiceId; engine: Engine; languageCode?: string }> = {
  ar: { voice: "Hala", engine: "neural", languageCode: "ar-AE" },
  ca: { voice: "Arlet", engine: "neural" },
  da: { voice: "Sofie", engine: "neural" },
  de: { voice: "Vicki", engine: "neural" },
  en: { voice: "Joanna", engine: "neural" },
  es: { voice: "Lucia", engine: "neural" },
  fi: { voice: "Suvi", engine: "neural" },
  fr: { voice: "Lea", engine: "neural" },
  hi: { voice: "Kajal", engine: "neural" },
  it: { voice: "Bianca", engine: "neural" },
  ja: { voice: "Takumi", engine: "neural" },
  ko: { voice: "Seoyeon", engine: "neural" },
  nl: { voice: "Laura", engine: "neural" },
  no: { voice: "Ida", engine: "neural" },
  pl: { voice: "Ola", engine: "neural" },
  pt: { voice: "Camila", engine: "neural" },
  ru: { voice: "Tatyana", engine: "standard" },
  sv: { voice: "Elin", engine: "neural" },
  tr: { voice: "Filiz", engine: "standard" },
  zh: { voice: "Zhiyu", engine: "neural" },
};

export interface PollyOptions {
  client: PollyClient;
  attempts?: number;
}

export class PollySynthesizer implements SpeechSynthesizer {
  readonly languages = Object.keys(POLLY_VOICES);

  constructor(private readonly options: PollyOptions) {}

  async synthesize(text: string, language: string): Promise<SynthesizedAudio> {
    const voice = POLLY_VOICES[language];
    if (!voice) throw new Error(`no Polly voice is set up for "${language}"`);
    const response = await withRetries(
      () =>
        this.options.client.send(
          new SynthesizeSpeechCommand({
            Text: text,
            TextType: "text",
            VoiceId: voice.voice,
            Engine: voice.engine,
            LanguageCode: voice.languageCode as never,
            OutputFormat: "mp3",
            SampleRate: "24000",
          }),
        ),
      this.options.attempts ?? 5,
    );
    if (!response.AudioStream) throw new Error("Polly returned no audio");
    const data = await response.AudioStream.transformToByteArray();
    return { data, format: "audio/mpeg", durationSeconds: getMp3Duration(Buffer.from(data)) / 1000 };
  }
}

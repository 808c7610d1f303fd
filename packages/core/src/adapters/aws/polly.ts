/// <reference path="../../untyped-modules.d.ts" />
/**
 * Speech with Amazon Polly: one voice per language, MP3 at 24 kHz. The neural engine where the region offers it
 * and the language has a neural voice; otherwise the language's standard voice, said once in the log. Throttling
 * (the neural quota is small by default) is retried with backoff.
 */
import { type Engine, EngineNotSupportedException, type LanguageCode, type PollyClient, SynthesizeSpeechCommand, type VoiceId } from "@aws-sdk/client-polly";
import getMp3Duration from "get-mp3-duration";
import type { Log } from "../../log.ts";
import type { SpeechSynthesizer, SynthesisOptions, SynthesizedAudio } from "../../ports/index.ts";
import type { IamAction } from "../../ports/iam.ts";
import { withRetries } from "./retry.ts";

interface Voice {
  voice: VoiceId;
  /** Needed for a bilingual voice whose default language is another one (Kajal and Aditi default to en-IN). */
  languageCode?: LanguageCode;
}

/**
 * The voices per language, from Polly's voice list (Developer Guide, "Available voices",
 * https://docs.aws.amazon.com/polly/latest/dg/available-voices.html, and "Standard voices",
 * https://docs.aws.amazon.com/polly/latest/dg/standard-voices.html): the neural voice, and a standard one for
 * regions without neural voices. A language with neither in a region is voiced nowhere there: captions only.
 */
export const POLLY_VOICES: Record<string, { neural?: Voice; standard?: Voice }> = {
  ar: { neural: { voice: "Hala", languageCode: "ar-AE" }, standard: { voice: "Zeina" } },
  ca: { neural: { voice: "Arlet" } },
  cs: { neural: { voice: "Jitka" } },
  cy: { standard: { voice: "Gwyneth" } },
  da: { neural: { voice: "Sofie" }, standard: { voice: "Naja" } },
  de: { neural: { voice: "Vicki" }, standard: { voice: "Vicki" } },
  en: { neural: { voice: "Joanna" }, standard: { voice: "Joanna" } },
  es: { neural: { voice: "Lucia" }, standard: { voice: "Lucia" } },
  fi: { neural: { voice: "Suvi" } },
  fr: { neural: { voice: "Lea" }, standard: { voice: "Lea" } },
  hi: { neural: { voice: "Kajal", languageCode: "hi-IN" }, standard: { voice: "Aditi", languageCode: "hi-IN" } },
  is: { standard: { voice: "Dora" } },
  it: { neural: { voice: "Bianca" }, standard: { voice: "Bianca" } },
  ja: { neural: { voice: "Takumi" }, standard: { voice: "Takumi" } },
  ko: { neural: { voice: "Seoyeon" }, standard: { voice: "Seoyeon" } },
  nl: { neural: { voice: "Laura" }, standard: { voice: "Lotte" } },
  no: { neural: { voice: "Ida" }, standard: { voice: "Liv" } },
  pl: { neural: { voice: "Ola" }, standard: { voice: "Ewa" } },
  pt: { neural: { voice: "Camila" }, standard: { voice: "Camila" } },
  ro: { standard: { voice: "Carmen" } },
  ru: { standard: { voice: "Tatyana" } },
  sv: { neural: { voice: "Elin" }, standard: { voice: "Astrid" } },
  tr: { standard: { voice: "Filiz" } },
  zh: { neural: { voice: "Zhiyu" }, standard: { voice: "Zhiyu" } },
};

/**
 * Regions with Polly's neural engine (Developer Guide, "Neural voices": feature and region compatibility, read
 * 2026-11). Elsewhere the standard voices are used. A region missing here only costs quality; one listed
 * wrongly is caught at run time (EngineNotSupportedException) and falls back too.
 */
export const POLLY_NEURAL_REGIONS: readonly string[] = [
  "us-east-1",
  "us-west-2",
  "af-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "us-gov-west-1",
];

/** Whether a region has Polly's neural engine, as documented. */
export function hasNeuralVoices(region: string): boolean {
  return POLLY_NEURAL_REGIONS.includes(region);
}

/** The languages Polly can voice in a region: a neural voice where it has the engine, else a standard one. */
export function pollyLanguages(region: string): string[] {
  const neural = hasNeuralVoices(region);
  return Object.entries(POLLY_VOICES)
    .filter(([, voices]) => voices.standard || (neural && voices.neural))
    .map(([language]) => language);
}

export interface PollyOptions {
  client: PollyClient;
  /** The deployment's region (AWS_REGION in Lambda): decides neural or standard voices. */
  region: string;
  log?: Log;
  attempts?: number;
}

export class PollySynthesizer implements SpeechSynthesizer {
  static readonly iamActions: readonly IamAction[] = [{ action: "polly:SynthesizeSpeech", resource: "*" }];

  readonly languages: readonly string[];
  /** Languages whose neural voice the service refused: standard from then on. */
  private readonly standardOnly = new Set<string>();
  private readonly neural: boolean;

  constructor(private readonly options: PollyOptions) {
    this.neural = hasNeuralVoices(options.region);
    if (!this.neural) {
      options.log?.({ level: "warn", event: "polly.standard_voices", region: options.region, reason: "no neural voices in this region" });
    }
    this.languages = pollyLanguages(options.region);
  }

  /** The neural voice unless the standard one is asked for (and exists) or the neural one is unavailable. */
  private voiceFor(language: string, asked?: SynthesisOptions["engine"]): { engine: Engine; voice: Voice } | undefined {
    const voices = POLLY_VOICES[language];
    const standardAsked = asked === "standard" && voices?.standard !== undefined;
    if (voices?.neural && this.neural && !this.standardOnly.has(language) && !standardAsked) return { engine: "neural", voice: voices.neural };
    if (voices?.standard) return { engine: "standard", voice: voices.standard };
    return undefined;
  }

  async synthesize(text: string, language: string, options?: SynthesisOptions): Promise<SynthesizedAudio> {
    const chosen = this.voiceFor(language, options?.engine);
    if (!chosen) throw new Error(`no Polly voice is set up for "${language}" in ${this.options.region}`);
    try {
      return await this.request(text, chosen.engine, chosen.voice);
    } catch (error) {
      const standard = POLLY_VOICES[language]?.standard;
      if (!(chosen.engine === "neural" && isEngineNotSupported(error) && standard)) throw error;
      this.standardOnly.add(language);
      this.options.log?.({
        level: "warn",
        event: "polly.standard_voices",
        region: this.options.region,
        language,
        reason: "the neural engine was refused",
      });
      return this.request(text, "standard", standard);
    }
  }

  private async request(text: string, engine: Engine, voice: Voice): Promise<SynthesizedAudio> {
    const response = await withRetries(
      () =>
        this.options.client.send(
          new SynthesizeSpeechCommand({
            Text: text,
            TextType: "text",
            VoiceId: voice.voice,
            Engine: engine,
            LanguageCode: voice.languageCode,
            OutputFormat: "mp3",
            SampleRate: "24000",
          }),
        ),
      this.options.attempts ?? 5,
      undefined,
      { quotaErrors: "raise" },
    );
    if (!response.AudioStream) throw new Error("Polly returned no audio");
    const data = await response.AudioStream.transformToByteArray();
    return { data, format: "audio/mpeg", durationSeconds: getMp3Duration(Buffer.from(data)) / 1000 };
  }
}

/** By class, or by name when another copy of the SDK threw it. */
function isEngineNotSupported(error: unknown): boolean {
  return error instanceof EngineNotSupportedException || (error as { name?: string } | undefined)?.name === "EngineNotSupportedException";
}

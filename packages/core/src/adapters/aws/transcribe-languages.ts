/** The source languages Amazon Transcribe streaming is set up for here. */
import type { LanguageCode } from "@aws-sdk/client-transcribe-streaming";

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

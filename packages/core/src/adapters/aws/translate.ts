/** Translation with Amazon Translate: one `TranslateText` per target language (the pipeline runs them in parallel). */
import { type TranslateClient, TranslateTextCommand } from "@aws-sdk/client-translate";
import type { LanguagePair, Translator } from "../../ports.ts";
import type { IamAction } from "./iam.ts";
import { withRetries } from "./retry.ts";

/** Languages offered (ISO 639-1, as Amazon Translate names them); every pair among them is supported. */
export const TRANSLATE_LANGUAGES = ["ar", "ca", "da", "de", "en", "es", "fi", "fr", "hi", "it", "ja", "ko", "nl", "no", "pl", "pt", "ru", "sv", "tr", "uk", "zh"];

/** Every direction among the offered languages. */
export const TRANSLATE_PAIRS: readonly LanguagePair[] = TRANSLATE_LANGUAGES.flatMap((source) =>
  TRANSLATE_LANGUAGES.filter((target) => target !== source).map((target) => ({ source, target })),
);

export interface AwsTranslatorOptions {
  client: TranslateClient;
  /** Custom terminology resources applied to every request (names, products, liturgy...). */
  terminologyNames?: string[];
  attempts?: number;
}

export class AwsTranslator implements Translator {
  static readonly iamActions: readonly IamAction[] = [{ action: "translate:TranslateText", resource: "*" }];
  readonly pairs = TRANSLATE_PAIRS;

  constructor(private readonly options: AwsTranslatorOptions) {}

  async translate(text: string, source: string, target: string): Promise<string> {
    if (!text.trim()) return "";
    const response = await withRetries(
      () =>
        this.options.client.send(
          new TranslateTextCommand({
            Text: text,
            SourceLanguageCode: source,
            TargetLanguageCode: target,
            TerminologyNames: this.options.terminologyNames?.length ? this.options.terminologyNames : undefined,
          }),
        ),
      this.options.attempts ?? 4,
      undefined,
      { quotaErrors: "raise" },
    );
    return response.TranslatedText ?? "";
  }
}

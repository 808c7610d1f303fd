/** Translation with Amazon Translate: one `TranslateText` per target language (the pipeline runs them in parallel). */
import { type TranslateClient, TranslateTextCommand } from "@aws-sdk/client-translate";
import type { LanguagePair, Translator } from "../../ports/index.ts";
import type { IamAction } from "../../ports/iam.ts";
import { withRetries } from "./retry.ts";

/**
 * Languages offered (ISO 639-1, as Amazon Translate names them: Developer Guide, "Supported languages and language
 * codes", https://docs.aws.amazon.com/translate/latest/dg/what-is-languages.html); every pair among them is
 * supported. Those Polly cannot voice (POLLY_VOICES) are offered as captions only.
 */
export const TRANSLATE_LANGUAGES = [
  ...["ar", "bg", "ca", "cs", "cy", "da", "de", "el", "en", "es", "fi", "fr", "he", "hi", "hr", "hu", "id", "is", "it", "ja"],
  ...["ko", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "tr", "uk", "vi", "zh"],
];

/** Every direction among the offered languages. */
export const TRANSLATE_PAIRS: readonly LanguagePair[] = TRANSLATE_LANGUAGES.flatMap((source) =>
  TRANSLATE_LANGUAGES.filter((target) => target !== source).map((target) => ({ source, target })),
);

export interface AwsTranslatorOptions {
  client: TranslateClient;
  /** Custom terminology resources applied to every request (names, products, liturgy...). */
  terminologyNames?: string[];
  /**
   * Parts of a segment translated together with the segment's words before them (default true): better sentences,
   * but those words are billed again with every part (see docs/design/parts.md).
   */
  partsInContext?: boolean;
  attempts?: number;
}

export class AwsTranslator implements Translator {
  static readonly iamActions: readonly IamAction[] = [{ action: "translate:TranslateText", resource: "*" }];
  readonly pairs = TRANSLATE_PAIRS;
  readonly partsInContext: boolean;

  constructor(private readonly options: AwsTranslatorOptions) {
    this.partsInContext = options.partsInContext ?? true;
  }

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

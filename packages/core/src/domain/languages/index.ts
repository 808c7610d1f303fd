/** Which languages a set of engines offers: the answer of GET /languages, in AWS and in local mode alike. */
import type { LanguagesResponse } from "../../browser/protocol/index.ts";
import type { SpeechRecognizer, SpeechSynthesizer, Translator } from "../../ports.ts";

export interface Engines {
  recognizer: SpeechRecognizer;
  translator: Translator;
  synthesizer: SpeechSynthesizer;
}

/** Sources the recognizer hears; targets a translator reaches from one of them and the synthesizer can voice. */
export function supportedLanguages(engines: {
  recognizer: Pick<SpeechRecognizer, "languages">;
  translator: Pick<Translator, "pairs">;
  synthesizer: Pick<SpeechSynthesizer, "languages">;
}): LanguagesResponse {
  const source = [...engines.recognizer.languages].filter((l) => engines.translator.pairs.some((p) => p.source === l)).sort();
  const target = [
    ...new Set(
      engines.translator.pairs
        .filter((pair) => source.includes(pair.source) && engines.synthesizer.languages.includes(pair.target))
        .map((pair) => pair.target),
    ),
  ].sort();
  return { source, target };
}

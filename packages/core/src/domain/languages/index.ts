/** Which languages a set of engines offers: the answer of GET /languages, in AWS and in local mode alike. */
import type { LanguagesResponse } from "../../protocol/index.ts";
import type { LanguagePair, SpeechRecognizer, SpeechSynthesizer, Translator } from "../../ports/index.ts";

export interface Engines {
  recognizer: SpeechRecognizer;
  translator: Translator;
  synthesizer: SpeechSynthesizer;
}

/**
 * Sources the recognizer hears; targets a translator reaches from one of them, each with its route (the pivot
 * language, if the translation passes through one). A target the synthesizer cannot voice is still offered, as
 * captions only: a listener reading Galician captions is better served than one refused Galician (locally
 * Apertium translates en->gl and eSpeak NG has no Galician voice; on AWS, Polly's voice list of the region
 * decides the same way).
 */
export function supportedLanguages(engines: {
  recognizer: Pick<SpeechRecognizer, "languages">;
  translator: Pick<Translator, "pairs">;
  synthesizer: Pick<SpeechSynthesizer, "languages">;
}): Required<LanguagesResponse> {
  const source = [...engines.recognizer.languages].filter((l) => engines.translator.pairs.some((p) => p.source === l)).sort();
  const reachable = engines.translator.pairs.filter((pair) => source.includes(pair.source));
  const target = [...new Set(reachable.map((pair) => pair.target))].sort();
  const captionsOnly = target.filter((language) => !isVoiced(engines.synthesizer, language));
  return { source, target, captionsOnly, routes: Object.fromEntries(target.map((language) => [language, route(reachable, language)])) };
}

/** A target's route from the sources: direct if any source has a direct pair, else the first pair's pivot. */
function route(pairs: readonly LanguagePair[], target: string): { via?: string } {
  const into = pairs.filter((pair) => pair.target === target);
  const via = into.every((pair) => pair.via) ? into[0]?.via : undefined;
  return via ? { via } : {};
}

/** Whether translated speech is made for a language: the pipeline asks this before it synthesizes anything. */
export function isVoiced(synthesizer: Pick<SpeechSynthesizer, "languages">, language: string): boolean {
  return synthesizer.languages.includes(language);
}

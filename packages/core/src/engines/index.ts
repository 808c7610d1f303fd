/**
 * The offline engines of local mode, found on this machine. A missing engine is reported with the
 * package that provides it; nothing is ever replaced by a fake.
 */
import type { LanguagesResponse } from "../protocol/index.ts";
import type { SpeechRecognizer, SpeechSynthesizer, Translator } from "../ports.ts";
import { ApertiumTranslator } from "./apertium.ts";
import { EspeakSynthesizer } from "./espeak.ts";
import { PocketsphinxRecognizer } from "./pocketsphinx.ts";

export { ApertiumTranslator, EspeakSynthesizer, PocketsphinxRecognizer };

export interface Engines {
  recognizer: SpeechRecognizer;
  translator: Translator;
  synthesizer: SpeechSynthesizer;
}

export interface DetectedEngines extends Partial<Engines> {
  problems: string[];
}

export async function detectLocalEngines(): Promise<DetectedEngines> {
  const problems: string[] = [];
  const attempt = <T>(make: () => T): T | undefined => {
    try {
      return make();
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };
  const recognizer = attempt(() => new PocketsphinxRecognizer());
  const translator = attempt(() => new ApertiumTranslator());
  if (translator && translator.pairs.length === 0) {
    problems.push(`Apertium has no language pair installed: ${translator.missing.join("; ")}`);
  }
  let synthesizer: EspeakSynthesizer | undefined;
  try {
    synthesizer = await EspeakSynthesizer.load();
  } catch (error) {
    problems.push((error as Error).message);
  }
  return {
    recognizer,
    translator: translator && translator.pairs.length > 0 ? translator : undefined,
    synthesizer,
    problems,
  };
}

/** Sources the recognizer hears; targets a translator reaches from one of them and the synthesizer can voice. */
export function supportedLanguages(engines: Engines): LanguagesResponse {
  const source = [...engines.recognizer.languages].sort();
  const target = [
    ...new Set(
      engines.translator.pairs
        .filter((pair) => source.includes(pair.source) && engines.synthesizer.languages.includes(pair.target))
        .map((pair) => pair.target),
    ),
  ].sort();
  return { source, target };
}

/** Stops engine processes and frees native decoders (engines without resources are left alone). */
export async function closeEngines(engines: Partial<Engines>): Promise<void> {
  for (const engine of Object.values(engines)) {
    await (engine as { close?: () => unknown } | undefined)?.close?.();
  }
}

/**
 * The offline engines of local mode, found on this machine. A missing engine is reported with the
 * package that provides it; nothing is ever replaced by a fake.
 */
import type { Engines } from "../../domain/languages/index.ts";
import { ApertiumTranslator } from "./apertium.ts";
import { EspeakSynthesizer } from "./espeak.ts";
import { FINAL_PASS_ARGS, PocketsphinxRecognizer, SEARCH_ARGS } from "./pocketsphinx.ts";
import { pronouncer } from "./pronunciation.ts";

export { ApertiumTranslator, EspeakSynthesizer, FINAL_PASS_ARGS, PocketsphinxRecognizer, SEARCH_ARGS };
export { type Engines, supportedLanguages } from "../../domain/languages/index.ts";

export interface DetectedEngines extends Partial<Engines> {
  /** One sentence per engine or translation direction that is missing, naming what to install. */
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
  let translator = attempt(() => new ApertiumTranslator());
  if (translator && translator.pairs.length === 0) {
    problems.push(`Apertium has no language pair installed: ${translator.missing.join("; ")}`);
    translator = undefined;
  } else if (translator) {
    problems.push(...translator.missing.map((direction) => `Apertium: ${direction}`));
  }
  let synthesizer: EspeakSynthesizer | undefined;
  try {
    synthesizer = await EspeakSynthesizer.load();
  } catch (error) {
    problems.push((error as Error).message);
  }
  // eSpeak NG also pronounces the glossary words pocketsphinx's dictionary lacks; without it, their spelling does.
  const recognizer = attempt(() => new PocketsphinxRecognizer({ pronounce: pronouncer(synthesizer) }));
  return { recognizer, translator, synthesizer, problems };
}

/** Stops engine processes and frees native decoders (engines without resources are left alone). */
export async function closeEngines(engines: Partial<Engines>): Promise<void> {
  for (const engine of Object.values(engines)) {
    await (engine as { close?: () => unknown } | undefined)?.close?.();
  }
}

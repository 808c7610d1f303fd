/**
 * The speaker app's glossary box: one entry per line.
 *   `Kinesis`                          kept as written in every language
 *   `stream = flujo`                   the same translation for every target language
 *   `live = es: en vivo; fr: en direct` a translation per language
 * Returns the entries, or the first line that cannot be read and why.
 */
import type { GlossaryEntry } from "@livetranslate/core/browser/protocol";

export function parseGlossary(text: string, targets: readonly string[]): { entries: GlossaryEntry[] } | { error: string } {
  const entries: GlossaryEntry[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const [term, rest] = line.split(/=(.*)/s).map((part) => part?.trim()) as [string, string | undefined];
    if (!term) return { error: `line ${i + 1}: the term before "=" is missing` };
    if (rest === undefined || rest === "") {
      entries.push({ term, translations: {} });
      continue;
    }
    const perLanguage = rest.split(";").map((part) => part.match(/^\s*([a-z]{2,3})\s*:\s*(.+?)\s*$/));
    if (perLanguage.every((m) => m)) {
      entries.push({ term, translations: Object.fromEntries(perLanguage.map((m) => [m![1]!, m![2]!])) });
    } else if (rest.includes(";")) {
      return { error: `line ${i + 1}: write each translation as "es: text", separated by ";"` };
    } else {
      entries.push({ term, translations: Object.fromEntries(targets.map((t) => [t, rest])) });
    }
  }
  return { entries };
}

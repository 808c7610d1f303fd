/**
 * The speaker app's glossary box: one entry per line.
 *   `Kinesis`                          kept as written in every language
 *   `stream = flujo`                   the same translation for every target language
 *   `live = es: en vivo; fr: en direct` a translation per language
 * Returns the entries, or the first line that cannot be read and why.
 */
import type { GlossaryEntry } from "@livetranslate/core/protocol";
import Papa from "papaparse";

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

/**
 * A glossary spreadsheet saved as CSV: a header row `term,es,fr,…` (a language code per column), then one term per
 * row with its translations (an empty cell: none). Returns the glossary box's text for the same entries.
 */
export function glossaryTextFromCsv(csv: string): { text: string } | { error: string } {
  const { data, errors } = Papa.parse<string[]>(csv.trim(), { skipEmptyLines: true });
  if (errors.length > 0) return { error: `the CSV file cannot be read: ${errors[0]!.message} (row ${(errors[0]!.row ?? 0) + 1})` };
  const [header, ...rows] = data;
  if (!header || header[0]?.trim().toLowerCase() !== "term") return { error: 'the CSV file\'s first row must be "term" followed by language codes, e.g. term,es,fr' };
  const languages = header.slice(1).map((l) => l.trim());
  const bad = languages.find((l) => !/^[a-z]{2,3}$/.test(l));
  if (bad !== undefined) return { error: `the CSV file's first row names "${bad}", not a language code such as es` };
  const lines = rows.map((row) => {
    const translations = languages.map((l, i) => [l, row[i + 1]?.trim()] as const).filter(([, t]) => t);
    const term = row[0]?.trim() ?? "";
    return translations.length ? `${term} = ${translations.map(([l, t]) => `${l}: ${t}`).join("; ")}` : term;
  });
  return { text: lines.join("\n") };
}

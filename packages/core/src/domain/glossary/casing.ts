/**
 * A session's names in its transcript as its glossary writes them. A recognizer that writes every word in lower case
 * (pocketsphinx) would caption the glossary's "Digium" as "digium", and the speaker, the listeners and the saved
 * transcript would read a name no one writes.
 */

/**
 * `words` with each run of them that is a glossary term (compared whole and case-insensitively, the longest term
 * first) written as the term is written.
 */
export function writeAsGlossary(words: readonly string[], terms: readonly string[]): string[] {
  const written = [...new Set(terms)]
    .map((term) => term.split(/\s+/u).filter(Boolean))
    .filter((termWords) => termWords.length > 0)
    .sort((a, b) => b.length - a.length);
  const out = [...words];
  for (let at = 0; at < out.length; ) {
    const term = written.find((termWords) => termWords.every((word, i) => out[at + i]?.toLowerCase() === word.toLowerCase()));
    if (!term) {
      at++;
      continue;
    }
    term.forEach((word, i) => (out[at + i] = word));
    at += term.length;
  }
  return out;
}

/** A text of words separated by single spaces (as pocketsphinx writes it), its glossary terms written as the glossary writes them. */
export function writeTextAsGlossary(text: string, terms: readonly string[]): string {
  return terms.length === 0 ? text : writeAsGlossary(text.split(" "), terms).join(" ");
}

/**
 * A session's glossary: names and terms the organiser wants translated one way (or kept as written). It works
 * the same whatever the translation engine: before translating, each term found in the source (whole words,
 * case-insensitive, longest first) is replaced by a placeholder that engines pass through untouched (an unknown
 * word); after, each placeholder becomes the term's translation for the target language, exactly, or the term
 * as written when it has none.
 */
import type { Glossary, GlossaryEntry } from "../../protocol/index.ts";
import type { Translator } from "../../ports/index.ts";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Word boundaries that also hold next to letters outside ASCII. */
const wholeWord = (text: string) => new RegExp(`(?<![\\p{L}\\p{N}])${text}(?![\\p{L}\\p{N}])`, "giu");

/** Translates `text`, holding every glossary term to its translation for `target`. */
export async function translateWithGlossary(translator: Pick<Translator, "translate">, text: string, source: string, target: string, glossary: Glossary | undefined) {
  if (!glossary?.length) return translator.translate(text, source, target);
  const found: GlossaryEntry[] = [];
  let protectedText = text;
  for (const entry of [...glossary].sort((a, b) => b.term.length - a.term.length)) {
    const pattern = wholeWord(escape(entry.term));
    if (!pattern.test(protectedText)) continue;
    protectedText = protectedText.replace(pattern, placeholder(found.length));
    found.push(entry);
  }
  if (found.length === 0) return translator.translate(text, source, target);
  let translated = await translator.translate(protectedText, source, target);
  found.forEach((entry, i) => {
    translated = translated.replace(wholeWord(placeholder(i)), () => entry.translations[target] ?? entry.term);
  });
  return translated;
}

/** Capitals and digits no language has as a word, which translators leave alone. */
function placeholder(index: number): string {
  return `ZXQ${index}QXZ`;
}
export { requestVocabulary } from "./vocabulary.ts";
export { writeAsGlossary, writeTextAsGlossary } from "./casing.ts";

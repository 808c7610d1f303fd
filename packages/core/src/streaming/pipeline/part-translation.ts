/**
 * A part of a segment is a fragment of a sentence, and a translator takes whatever it gets for a sentence of its own:
 * translated alone, "it being a parent to clean water" comes out in Spanish as "lo Siendo un padre...", a clitic for
 * a subject it cannot see and a capital in mid-sentence. So a part after the first is translated together with the
 * segment's words already sent (`before`), and only what its translation adds to theirs goes out: the translation of
 * `before`, then of `before` and the part, and the second's words after the first's. That holds when the first is
 * where the second starts, give or take one word at the join (Apertium adds an article, or turns a noun the new words
 * follow into a verb, but rarely rewrites more); past that, the words after the closest start would repeat or lose
 * what the earlier parts said, so the part is translated alone, its first word in the case it has in the sentence.
 */
import { translateWithGlossary } from "../../domain/glossary/index.ts";
import type { Translator } from "../../ports/index.ts";
import type { Glossary } from "../../protocol/index.ts";
import { afterCommitted, wordsOf } from "../consumer/segment-parts.ts";

/**
 * Words the context's translation may differ by from the start of the whole's (changed, added or left out) for the
 * whole's words after it to be the part's: one is an article or a preposition at the join; more is a rewrite.
 */
export const MAX_CONTEXT_CHANGES = 1;

export interface PartText {
  /** The part's source words. */
  text: string;
  /** Its segment's words already sent in earlier parts ("" or absent for a segment's first part). */
  before?: string;
}

/** How a part's translation was made: alone (first part, or context off), in context, or alone after the context failed. */
export type PartTranslationMethod = "alone" | "context" | "fallback";

/**
 * Translates a part of a segment into `target`, holding the glossary's terms, in the context of its segment's words
 * before it unless `inContext` is false (then, and for a first part, it is translated alone: a continuation then
 * starts in lower case).
 */
export async function translatePart(
  translator: Pick<Translator, "translate">,
  part: PartText,
  source: string,
  target: string,
  glossary: Glossary | undefined,
  inContext = true,
): Promise<{ text: string; method: PartTranslationMethod }> {
  const before = part.before?.trim() ?? "";
  const continues = before.length > 0;
  if (!continues || !inContext) {
    return { text: (await translateWithGlossary(continuing(translator, continues, part.text, target), part.text, source, target, glossary)).trim(), method: "alone" };
  }
  const [prefix, whole] = await Promise.all([
    translateWithGlossary(translator, before, source, target, glossary),
    translateWithGlossary(translator, `${before} ${part.text.trim()}`, source, target, glossary),
  ]);
  const { rest, changes } = afterCommitted(wordsOf(whole), wordsOf(prefix));
  if (changes <= MAX_CONTEXT_CHANGES && rest.length > 0) return { text: rest.join(" "), method: "context" };
  const alone = (await translateWithGlossary(translator, part.text, source, target, glossary)).trim();
  return { text: withCaseInSentence(alone, wordsOf(whole).slice(1), part.text, target), method: "fallback" };
}

/**
 * The first word of a continuation translated alone, in the case the same word has inside the sentence's
 * translation (`inside`: its words after the first); lower case when it is not there and the source part starts in
 * lower case, as the translator capitalized it only for starting a text.
 */
function withCaseInSentence(alone: string, inside: readonly string[], source: string, target: string): string {
  const first = wordsOf(alone)[0];
  if (!first) return alone;
  const same = inside.find((w) => w.toLocaleLowerCase(target) === first.toLocaleLowerCase(target));
  if (same !== undefined) return same + alone.slice(first.length);
  return /^\p{Ll}/u.test(source) ? lowerFirst(alone, target) : alone;
}

/**
 * A continuation translated alone: when the source part starts in lower case, so does its translation. The case is
 * changed before the glossary's terms go in, so a term at its start keeps its capital.
 */
function continuing(translator: Pick<Translator, "translate">, continues: boolean, text: string, target: string): Pick<Translator, "translate"> {
  if (!continues || !/^\p{Ll}/u.test(text)) return translator;
  return { translate: async (source, from, to) => lowerFirst(await translator.translate(source, from, to), target) };
}

/** A capital followed by a small letter (a placeholder or an acronym is left alone) made small. */
function lowerFirst(text: string, language: string): string {
  return text.replace(/^(\s*)(\p{Lu})(?=\p{Ll})/u, (_, space: string, first: string) => space + first.toLocaleLowerCase(language));
}

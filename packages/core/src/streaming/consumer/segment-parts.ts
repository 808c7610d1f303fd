/**
 * Simultaneous translation's commit policy: which words of the open segment go out as a part while the speaker goes
 * on, at a pause (`atPause`) or, inside a long phrase, at a clause boundary (`atClause`); what is left when the segment
 * closes is its last part (`lastPart`). A committed part is never sent again, and the state travels in the checkpoint
 * so whichever execution environment gets the next batch commits the same parts (docs/design/parts.md).
 */

import type { HeardWord } from "../../ports/index.ts";

/** Where the open segment's parts stand. */
export interface SegmentParts {
  /** The open segment's sequence number and first sample (a segment found to be noise leaves its number to the next). */
  sequenceNumber: number;
  segmentStartSample: number;
  /** The text of each part committed so far, in order. */
  committed: string[];
  /** Session offset where the next part's audio starts. */
  fromSample: number;
  /** Words final at earlier pauses, too few to go alone: they open the next part. */
  pending: string;
  /**
   * A pause went by uncommitted (no stream heard exactly this audio, parts were shed, or the segment may yet be cut
   * there): nothing more is committed before the close, whose part then holds every word after the last one committed.
   */
  broken?: boolean;
  /**
   * Words of the current phrase (since the last pause) committed at a clause boundary: the phrase's final words at its
   * pause start with these (as the final pass heard them), and only what follows them is left to commit.
   */
  inPhrase?: string[];
}

/** A part is at least this many words: a shorter phrase waits for the next one (a word alone translates badly). */
export const MIN_PART_WORDS = 3;

export function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** The state for the segment `sequenceNumber` starting at `startSample`: the one kept if it is that segment's. */
export function partsOf(state: SegmentParts | undefined, sequenceNumber: number, startSample: number): SegmentParts {
  return state?.sequenceNumber === sequenceNumber && state.segmentStartSample === startSample
    ? state
    : { sequenceNumber, segmentStartSample: startSample, committed: [], fromSample: startSample, pending: "" };
}

export type PauseDecision =
  | { commit: false; state: SegmentParts }
  | { commit: true; state: SegmentParts; index: number; text: string; startSample: number; endSample: number };

/**
 * Words that open a clause, per source language: a part may end just before one. A language without a list (and a
 * recognizer that does not punctuate) commits at pauses only.
 */
export const CLAUSE_OPENERS: Readonly<Record<string, ReadonlySet<string>>> = {
  en: new Set(
    "and but or so because which who whom whose where when while whereas although though unless until since if before after".split(" "),
  ),
};

const CLAUSE_END = /[,;:.!?]$/;

/**
 * True when `text` ends with the first words (not all) of one of `terms`: a part ending there would cut the term in
 * two, and neither half would be translated as the glossary says.
 */
export function endsInsideTerm(text: string, terms: readonly string[]): boolean {
  const words = wordsOf(text.toLowerCase());
  return terms.some((term) => {
    const termWords = wordsOf(term.toLowerCase());
    for (let n = 1; n < termWords.length; n++) {
      if (n <= words.length && termWords.slice(0, n).join(" ") === words.slice(-n).join(" ")) return true;
    }
    return false;
  });
}

/** What decides where a part may end, besides the words themselves. */
export interface CommitRules {
  /** The session's glossary terms: a part never ends inside one. */
  terms?: readonly string[];
  /** Words that open a clause in the source language (see `CLAUSE_OPENERS`). */
  openers?: ReadonlySet<string>;
  /**
   * No part ends after this session offset: past it the open segment may yet be cut at its maximum length, and its
   * words there may belong to the next segment (`Segmenter.cutWindowStart`).
   */
  endBy?: number;
  /** A part is at least this many words (default `MIN_PART_WORDS`). */
  minWords?: number;
}

/** Whether a part may end at session offset `sample` (not past `rules.endBy`). */
export function mayEndAt(rules: CommitRules, sample: number): boolean {
  return rules.endBy === undefined || sample <= rules.endBy;
}

/**
 * At a pause ending at `atSample`, the words final since the previous one (undefined when the recognizer could not
 * say): commits them, with any pending before them, when they are enough words and do not end inside one of the
 * session's glossary terms. A pause past `rules.endBy`, or with no words, breaks the segment's parts (nothing more
 * of it goes out before it closes).
 */
export function atPause(state: SegmentParts, words: string | undefined, atSample: number, rules: CommitRules = {}): PauseDecision {
  if (state.broken) return { commit: false, state };
  if (words === undefined || !mayEndAt(rules, atSample)) return { commit: false, state: { ...state, broken: true } };
  // Words committed at a clause boundary of this phrase lead its final words: the rest follows them.
  const rest = afterCommitted(wordsOf(words), state.inPhrase ?? []).rest;
  const phrase: SegmentParts = { ...state, inPhrase: [] };
  return commitOrHold(phrase, [state.pending, ...rest], atSample, rules);
}

/**
 * While the phrase goes on, `heard` being its words so far: commits the words before its last clause boundary in the
 * stable start of the hypothesis (after those already committed, with any pending before them), when they make at
 * least `rules.minWords` words, do not end inside one of the glossary terms, nor after `rules.endBy`.
 * `segmentStartSample` places the words' ends in the session's audio. A boundary is a word of `rules.openers` that is
 * stable itself (the part ends before it) or a stable word the recognizer punctuated as a clause end (the part ends
 * with it).
 */
export function atClause(state: SegmentParts, heard: readonly HeardWord[], segmentStartSample: number, rules: CommitRules = {}): PauseDecision {
  const done = state.inPhrase ?? [];
  if (state.broken || !sameWords(heard.slice(0, done.length).map((w) => w.text), done)) return { commit: false, state };
  let stable = done.length;
  while (stable < heard.length && heard[stable]!.stable) stable++;
  const pendingWords = wordsOf(state.pending).length;
  const { openers = new Set<string>(), minWords = MIN_PART_WORDS } = rules;
  for (let end = stable; end > done.length; end--) {
    const endsClause = CLAUSE_END.test(heard[end - 1]!.text) || (end < stable && openers.has(normalized(heard[end]!.text)));
    const words = heard.slice(done.length, end).map((w) => w.text);
    // (The first pass may move a word's end between hypotheses: a part never ends before the one before it did.)
    const cut = segmentStartSample + heard[end - 1]!.endSample;
    if (!endsClause || pendingWords + words.length < minWords || cut <= state.fromSample || !mayEndAt(rules, cut)) continue;
    const decision = commitOrHold(state, [state.pending, ...words], cut, rules);
    if (decision.commit) return { ...decision, state: { ...decision.state, inPhrase: [...done, ...words] } };
  }
  return { commit: false, state };
}

/** Commits `words` (the first may be the pending text) as the next part ending at `endSample`, or holds them as pending. */
function commitOrHold(state: SegmentParts, words: readonly string[], endSample: number, { terms = [], minWords = MIN_PART_WORDS }: CommitRules): PauseDecision {
  const text = words.map((w) => w.trim()).filter((w) => w.length > 0).join(" ");
  if (wordsOf(text).length < minWords || endsInsideTerm(text, terms)) return { commit: false, state: { ...state, pending: text } };
  return {
    commit: true,
    index: state.committed.length,
    text,
    startSample: state.fromSample,
    endSample,
    state: { ...state, committed: [...state.committed, text], fromSample: endSample, pending: "" },
  };
}

/**
 * Marks the words of `current` (a phrase's running hypothesis) stable where the recognizer said nothing: a word
 * is stable when it and every word before it are the same in the `previous` hypothesis.
 */
export function settledWords(previous: readonly HeardWord[] | undefined, current: readonly HeardWord[]): HeardWord[] {
  let agreed = true;
  return current.map((word, i) => {
    if (word.stable !== undefined) return word;
    agreed &&= previous?.[i] !== undefined && normalized(previous[i]!.text) === normalized(word.text);
    return { ...word, stable: agreed };
  });
}

/**
 * The segment's last part: its final text after the words already committed. The committed words are the start of
 * the final text when they came from final passes of the same stream; when they are not (a clause went out with the
 * first pass's words, or another request transcribed the segment again and heard it differently), the rest starts
 * after the words closest to the committed ones (`afterCommitted`), so no listener hears a word twice, and `exact`
 * says so.
 */
export function lastPart(state: SegmentParts, finalText: string): { index: number; text: string; startSample: number; exact: boolean } {
  const { rest, exact } = afterCommitted(wordsOf(finalText), state.committed.flatMap(wordsOf));
  return { index: state.committed.length, text: rest.join(" "), startSample: state.fromSample, exact };
}

/**
 * What of `final` follows the words already `committed`: after the start of `final` that is closest to them (fewest
 * words changed, added or left out), so a word the final pass heard differently, split or merged is neither sent
 * twice nor lost. `exact` when that start is the committed words themselves (case and punctuation aside); `changes`:
 * the words changed, added or left out between them.
 */
export function afterCommitted(final: readonly string[], committed: readonly string[]): { rest: string[]; exact: boolean; changes: number } {
  const a = committed.map(normalized);
  const b = final.map(normalized);
  // distance[j]: edits between the committed words seen so far and the first j final words (Levenshtein, by rows).
  let distance = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(distance[j]! + 1, row[j - 1]! + 1, distance[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    distance = row;
  }
  // The closest start; among equals, one that ends on the last committed word, then the one nearest in length.
  const endsAlike = (j: number) => (j > 0 && a.length > 0 && b[j - 1] === a.at(-1) ? 0 : 1);
  const rank = (j: number) => [distance[j]!, endsAlike(j), Math.abs(j - a.length)] as const;
  let best = 0;
  for (let j = 1; j <= b.length; j++) {
    const [d, e, n] = rank(j);
    const [bd, be, bn] = rank(best);
    if (d < bd || (d === bd && (e < be || (e === be && n < bn)))) best = j;
  }
  return { rest: final.slice(best), exact: distance[best] === 0, changes: distance[best]! };
}

function normalized(word: string): string {
  return word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, "");
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => normalized(w) === normalized(b[i]!));
}

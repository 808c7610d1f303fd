/**
 * Simultaneous translation's commit policy: which words of the open segment go out as a part while the speaker goes
 * on. At each pause inside the segment the recognizer gives the words it will not revise since the previous pause
 * (pocketsphinx: the phrase it just finished; Amazon Transcribe: the words its results hold stable). Once they make a
 * clause (at least `minWords` words, with any too short to go alone before them) they are committed: translated,
 * voiced and sent as the next part, and never sent again. What is left when the segment closes is its last part.
 *
 * The state is a few hundred bytes in the consumer's checkpoint, so whichever execution environment gets the next
 * batch commits the same parts.
 */

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
   * A pause went by uncommitted (no stream heard exactly this audio, or parts were shed): nothing more is committed
   * before the close, whose part then holds every word after the last one committed.
   */
  broken?: boolean;
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
  | { commit: true; state: SegmentParts; index: number; text: string; startSample: number };

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

/**
 * At a pause ending at `atSample`, the words final since the previous one (undefined when the recognizer could not
 * say): commits them, with any pending before them, when they are enough words and do not end inside one of the
 * session's glossary `terms`.
 */
export function atPause(state: SegmentParts, words: string | undefined, atSample: number, terms: readonly string[] = [], minWords = MIN_PART_WORDS): PauseDecision {
  if (state.broken) return { commit: false, state };
  if (words === undefined) return { commit: false, state: { ...state, broken: true } };
  const text = [state.pending, words.trim()].filter((t) => t.length > 0).join(" ");
  if (wordsOf(text).length < minWords || endsInsideTerm(text, terms)) return { commit: false, state: { ...state, pending: text } };
  return {
    commit: true,
    index: state.committed.length,
    text,
    startSample: state.fromSample,
    state: { ...state, committed: [...state.committed, text], fromSample: atSample, pending: "" },
  };
}

/**
 * The segment's last part: its final text after the words already committed. The committed words are the start of
 * the final text when one recognizer heard the segment throughout; when they are not (another request transcribed
 * it again and heard it differently), as many words are dropped as were committed, so no listener hears a word
 * twice, and `exact` says so.
 */
export function lastPart(state: SegmentParts, finalText: string): { index: number; text: string; startSample: number; exact: boolean } {
  const final = wordsOf(finalText);
  const committed = state.committed.flatMap(wordsOf);
  const norm = (w: string) => w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, "");
  const exact = committed.every((w, i) => final[i] !== undefined && norm(final[i]!) === norm(w));
  return { index: state.committed.length, text: final.slice(committed.length).join(" "), startSample: state.fromSample, exact };
}

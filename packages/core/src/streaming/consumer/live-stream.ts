/** One session's recognizer stream as this execution environment holds it, and the phrase it is hearing. */
import type { HeardWord, RecognitionStream } from "../../ports/index.ts";

/** A phrase's words as heard once the audio up to session offset `through` was decoded. */
export interface PhraseWords {
  words: HeardWord[];
  through: number;
}

export interface LiveStream {
  stream: RecognitionStream;
  /** Session offset where the segment being written starts; undefined between segments. */
  segmentStartSample?: number;
  /** Session offset just after the last audio written. */
  nextSample: number;
  /** The current segment's writes, in order: rejected once one failed (the segment is then transcribed whole). */
  work: Promise<string>;
  /** The hypothesis after the last write that completed. */
  latest?: string;
  /**
   * The current phrase's words when they were last asked for, and the session offset decoded by then: the next
   * answer's words are stable as far as they agree.
   */
  judged?: PhraseWords;
  /** The current phrase's words after the last write that was decoded. */
  decoded?: PhraseWords;
  /** Counts the phrases begun: a write's words that come back after its phrase ended are not kept. */
  phrase: number;
  /** Wall-clock time of the last write. */
  lastWriteAt: number;
  /** Wall-clock time the request started. */
  startedAt: number;
  /** The service's custom vocabulary the request names, if any (see `feed`). */
  vocabularyName?: string;
}

/** A pause or a segment's start or end: the words heard so far are no longer the current phrase's. */
export function newPhrase(live: LiveStream): void {
  live.phrase++;
  live.judged = undefined;
  live.decoded = undefined;
}

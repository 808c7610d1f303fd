/** What the segmenter hands out: the open segment's audio as it comes, pauses, and each segment once it closes. */
export type CloseCause = "pause" | "maxLength" | "end";

export interface ClosedSegment {
  sequenceNumber: number;
  /** Offsets in the session's audio, in samples. */
  startSample: number;
  endSample: number;
  /** End of the last voiced frame: where the speaker stopped talking. */
  speechEndSample: number;
  cause: CloseCause;
  pcm: Int16Array;
  /** Session offsets inside the segment where `pause` events fell: a recognizer of the whole segment ends phrases there too. */
  pauses: number[];
}

export type SegmenterEvent =
  /** Audio of the open segment, in order, as soon as it is analysed: for streaming recognizers. */
  | { type: "audio"; startSample: number; pcm: Int16Array; segmentStartSample: number }
  | { type: "segment"; segment: ClosedSegment }
  /** The open segment turned out to be noise; audio streamed for it should be dropped. */
  | { type: "discard"; startSample: number }
  /** The speaker paused after the open segment's audio handed out so far (which ends at `atSample`); it may go on. */
  | { type: "pause"; segmentStartSample: number; sequenceNumber: number; atSample: number; speechEndSample: number };

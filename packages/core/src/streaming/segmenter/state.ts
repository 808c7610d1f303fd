/**
 * The segmenter's state: plain data, so a checkpoint stores it and a later batch or another execution environment
 * carries on from it (the buffered audio travels beside it).
 */
import type { VoiceActivityStream } from "../../ports/index.ts";

export interface OpenSegment {
  startSample: number;
  voicedSamples: number;
  lastVoicedEndSample: number;
  /** Audio up to here has been handed out in `audio` events. */
  emittedSample: number;
  /** Where `pause` events fell (absent in checkpoints written before pauses existed). */
  pauses?: number[];
}

/** Serializable state; the buffer travels beside it as binary. */
export interface SegmenterState {
  consumedSamples: number;
  bufferStartSample: number;
  analyzedSamples: number;
  nextSequenceNumber: number;
  noiseFloorDb: number;
  onsetFrames: number;
  segment: OpenSegment | null;
  /** With a detector: where its stream last started from a clean state (the buffer keeps audio from here). */
  voiceResetSample?: number;
}

/**
 * A detector stream left by an earlier segmenter of the same session in this process, and where it stood: a
 * rebuilt segmenter carries on from it instead of replaying from the restart, if it is on the same restart and
 * not ahead (an execution environment that saw the session a few batches ago feeds only what it missed).
 */
export interface KeptVoiceStream {
  resetSample: number;
  position: number;
  stream: VoiceActivityStream;
}

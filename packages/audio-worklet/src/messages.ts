/** What the capture worklet and the main thread say to each other: one place for the names. */
export const TARGET_SAMPLE_RATE = 16_000;
export const DEFAULT_CHUNK_MS = 100;
export const MIN_CHUNK_MS = 20;
export const MAX_CHUNK_MS = 250;
export const PROCESSOR_NAME = "livetranslate-capture";

export const CaptureMessageType = {
  Chunk: "chunk",
} as const;

export interface ProcessorOptions {
  chunkMs: number;
}

/** A chunk as posted by the worklet; `pcm` is transferred, not copied. */
export interface ChunkMessage {
  type: typeof CaptureMessageType.Chunk;
  pcm: ArrayBuffer;
  rms: number;
  peak: number;
  /** Seconds of audio captured before this chunk's first sample. */
  startTime: number;
}

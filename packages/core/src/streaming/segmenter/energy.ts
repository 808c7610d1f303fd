/**
 * The energy rule, used without a voice activity detector: a frame is speech when it is loud enough above an
 * adaptive noise floor. Frame levels also find the quietest place to cut a segment at its maximum length.
 */
import type { SegmenterOptions } from "./options.ts";

const SILENCE_DB = -100;

export function frameDb(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i]! * frame[i]!;
  const meanSquare = sum / Math.max(1, frame.length) / (32768 * 32768);
  return meanSquare > 0 ? Math.max(SILENCE_DB, 10 * Math.log10(meanSquare)) : SILENCE_DB;
}

/** The level above which a frame is voiced, for the noise floor so far. */
export function energyThreshold(noiseFloorDb: number, o: SegmenterOptions): number {
  return Math.max(noiseFloorDb + o.thresholdAboveNoiseDb, o.minVoicedDb);
}

/** The floor drops at once to a quieter frame and rises slowly, so speech does not raise it. */
export function nextNoiseFloor(noiseFloorDb: number, db: number): number {
  const floor = db < noiseFloorDb ? db : noiseFloorDb + 0.02 * (db - noiseFloorDb);
  return Math.min(floor, -20);
}

/**
 * The middle of the quietest frame between `searchStart` and `searchEnd`, searched from the end (the later of two
 * equally quiet frames wins); `searchEnd` when no frame fits.
 */
export function quietestCut(frameAt: (at: number) => Int16Array, frame: number, searchStart: number, searchEnd: number): number {
  let cut = searchEnd;
  let quietest = Infinity;
  for (let at = searchEnd - frame; at >= searchStart; at -= frame) {
    const db = frameDb(frameAt(at));
    if (db < quietest) {
      quietest = db;
      cut = at + Math.floor(frame / 2);
    }
  }
  return cut;
}

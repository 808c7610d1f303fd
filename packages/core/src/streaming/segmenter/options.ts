/** The segmenter's settings: when a segment opens, when a pause closes it, and how long one may grow. */
import { msToSamples } from "../../audio/index.ts";

export interface SegmenterOptions {
  frameMs: number;
  /** A segment closes after this much silence (~300-600 ms). */
  closeAfterSilenceMs: number;
  /** Silence kept at the end of a closed segment, so recognizers see the word end. */
  trailingSilenceMs: number;
  /** A segment longer than this is cut at its quietest frame. */
  maxSegmentMs: number;
  /**
   * Long segments close at shorter pauses: from `longSegmentMs` on, the silence needed shrinks linearly
   * to `shortPauseMs` at 80% of the maximum length, so a long sentence ends at a breath, not at a cut.
   */
  longSegmentMs: number;
  shortPauseMs: number;
  /** The window, ending at the maximum length, searched for the quietest frame. */
  cutSearchMs: number;
  /** Voiced frames in a row that open a segment (shorter clicks are ignored). */
  onsetMs: number;
  /** Audio before the onset included in the segment, so the first consonant is not lost. */
  preRollMs: number;
  /** A segment with less voiced audio than this is noise and dropped. */
  minSpeechMs: number;
  /** A frame is voiced this far above the noise floor... */
  thresholdAboveNoiseDb: number;
  /** ...and never below this absolute level. */
  minVoicedDb: number;
  /** With a detector: a frame this likely to be speech opens a segment... */
  speechProbability: number;
  /** ...and, once open, one below this counts as silence (hysteresis, as in Silero's own iterator). */
  silenceProbability: number;
  /** With a detector: it restarts from a clean state after this much silence since its last restart. */
  voiceResetMs: number;
  /**
   * After this much silence in an open segment (at least `trailingSilenceMs`) a `pause` event lets the recognizer
   * finish the words so far while the segmenter waits to know whether the sentence goes on: by the time the
   * segment closes its text is mostly ready. If speech resumes, the segment carries on as one; only the recognizer
   * has ended a phrase there.
   */
  pauseAfterMs: number;
}

export const DEFAULT_SEGMENTER_OPTIONS: SegmenterOptions = {
  frameMs: 20,
  closeAfterSilenceMs: 500,
  trailingSilenceMs: 150,
  maxSegmentMs: 10_000,
  longSegmentMs: 4_000,
  shortPauseMs: 200,
  cutSearchMs: 2_500,
  onsetMs: 60,
  preRollMs: 200,
  minSpeechMs: 200,
  thresholdAboveNoiseDb: 12,
  minVoicedDb: -50,
  speechProbability: 0.5,
  silenceProbability: 0.35,
  voiceResetMs: 1000,
  pauseAfterMs: 150,
};

/**
 * The hangover with a detector: it finds the silence of a comma as surely as a sentence's end, so a shorter one
 * splits sentences, and its end of speech comes later than the energy rule's. `pnpm bench` (segmentation) compares
 * the settings; docs/design/speech-detection.md says why this one.
 */
export const VOICE_ACTIVITY_SEGMENTER_OPTIONS: Partial<SegmenterOptions> = {
  closeAfterSilenceMs: 400,
};

/**
 * The silence that closes a segment of this length: `closeAfterSilenceMs`, shrinking from `longSegmentMs` on to
 * `shortPauseMs` at 80% of the maximum length.
 */
export function silenceToClose(o: SegmenterOptions, segmentSamples: number): number {
  const long = msToSamples(o.longSegmentMs);
  const short = msToSamples(o.maxSegmentMs * 0.8);
  const progress = Math.min(1, Math.max(0, (segmentSamples - long) / Math.max(1, short - long)));
  return msToSamples(o.closeAfterSilenceMs + (o.shortPauseMs - o.closeAfterSilenceMs) * progress);
}

/**
 * Hints for the speaker about their microphone, worked out live from the captured audio (the worklet's 16 kHz
 * Int16 chunks) with the chunks' capture times, so the same audio always gives the same hints, whatever the
 * clock. A recognizer does worst on exactly these four faults, and the speaker is the only one who can fix them.
 *
 * The audio is looked at in 10 ms frames:
 * - clipping: more than 0.1 % of the samples of the last 2 s at full scale (within 0.1 dB of it);
 * - no signal: no frame above -60 dBFS for 10 s since Start;
 * - noisy room: the noise floor (the quietest 100 ms of the last 6 s: a pause between phrases) above -45 dBFS,
 *   judged once 6 s have been heard (before that the quietest moment may still be a word);
 * - too quiet: the level of the last 5 s of speech (frames 10 dB over the noise floor) below -35 dBFS.
 */

export type AudioHint = "no-signal" | "clipping" | "too-quiet" | "noisy-room";

/** Plain words for each hint, with the one thing to do about it. Most pressing first. */
export const AUDIO_HINTS: Record<AudioHint, { problem: string; fix: string }> = {
  "no-signal": {
    problem: "No sound is reaching the microphone.",
    fix: "Check that it is plugged in and not muted, or pick another microphone.",
  },
  clipping: {
    problem: "Your voice is too loud for the microphone and sounds distorted.",
    fix: "Move a little further from the microphone, or turn its input level down.",
  },
  "too-quiet": {
    problem: "Your voice is very quiet.",
    fix: "Move closer to the microphone.",
  },
  "noisy-room": {
    problem: "There is a lot of background noise.",
    fix: "Close doors and windows, or use a microphone close to your mouth, such as a headset.",
  },
};

const ORDER: readonly AudioHint[] = ["no-signal", "clipping", "too-quiet", "noisy-room"];

export const QUALITY_LIMITS = {
  sampleRate: 16_000,
  frameMs: 10,
  /**
   * A sample this large (either sign) is at full scale: 0.99, -0.09 dBFS. Not only the clamped ±1: a signal the
   * microphone or its gain control flattened near the top is as distorted.
   */
  fullScale: 32_440,
  clippingWindowMs: 2_000,
  clippingShare: 0.001,
  signalDbfs: -60,
  noSignalMs: 10_000,
  /** The noise floor is the quietest block of this length... */
  noiseBlockMs: 100,
  /** ...within this window: long enough to hold a pause between two phrases. */
  noiseWindowMs: 6_000,
  noisyFloorDbfs: -45,
  /** A frame this far above the noise floor (and above `signalDbfs`) is speech. */
  speechAboveFloorDb: 10,
  quietSpeechMs: 5_000,
  quietSpeechDbfs: -35,
} as const;

const L = QUALITY_LIMITS;
const FRAME_SAMPLES = (L.sampleRate * L.frameMs) / 1000;
const FRAMES_PER_BLOCK = L.noiseBlockMs / L.frameMs;
const SPEECH_FRAMES = L.quietSpeechMs / L.frameMs;
const CLIPPING_WINDOW_SAMPLES = (L.sampleRate * L.clippingWindowMs) / 1000;

/** Mean square (full scale = 1) to dBFS; silence is -Infinity. */
export function dbfs(meanSquare: number): number {
  return 10 * Math.log10(meanSquare);
}

export class AudioQualityMonitor {
  private pending = new Int16Array(FRAME_SAMPLES);
  private pendingCount = 0;
  /** Capture time (ms) of the first pending sample. */
  private pendingAt = 0;
  private startedAt: number | undefined;
  private lastSignalAt: number | undefined;
  private now = 0;
  /** Full-scale samples per frame over the clipping window. */
  private clipFrames: { at: number; clipped: number }[] = [];
  private clippedInWindow = 0;
  private block = { at: 0, sum: 0, frames: 0 };
  private blocks: { at: number; meanSquare: number }[] = [];
  /** Mean squares of the latest speech frames, at most `quietSpeechMs` of them (a ring). */
  private speech = new Float64Array(SPEECH_FRAMES);
  private speechCount = 0;
  private speechNext = 0;
  private speechSum = 0;
  private current: AudioHint[] = [];

  /** What holds now, most pressing first. */
  get hints(): readonly AudioHint[] {
    return this.current;
  }

  /** The noise floor in dBFS so far (undefined before 100 ms of audio). */
  get noiseFloorDbfs(): number | undefined {
    return this.blocks.length ? dbfs(this.floorMeanSquare()) : undefined;
  }

  /** The level of the recent speech in dBFS (undefined before any speech). */
  get speechDbfs(): number | undefined {
    return this.speechCount ? dbfs(this.speechSum / this.speechCount) : undefined;
  }

  /**
   * Feeds a chunk of 16 kHz mono audio captured from `capturedAt` (epoch ms of its first sample), in capture
   * order; returns the hints that hold after it. Start feeding at Start: "no signal" counts from the first chunk.
   */
  add(pcm: Int16Array, capturedAt: number): readonly AudioHint[] {
    if (this.pendingCount === 0) this.pendingAt = capturedAt;
    let offset = 0;
    while (offset < pcm.length) {
      const take = Math.min(FRAME_SAMPLES - this.pendingCount, pcm.length - offset);
      this.pending.set(pcm.subarray(offset, offset + take), this.pendingCount);
      this.pendingCount += take;
      offset += take;
      if (this.pendingCount === FRAME_SAMPLES) {
        this.frame(this.pending, this.pendingAt);
        this.pendingCount = 0;
        this.pendingAt = capturedAt + (offset * 1000) / L.sampleRate;
      }
    }
    this.current = this.judge();
    return this.current;
  }

  private frame(samples: Int16Array, at: number): void {
    let sum = 0;
    let clipped = 0;
    for (const sample of samples) {
      sum += sample * sample;
      if (sample >= L.fullScale || sample <= -L.fullScale) clipped++;
    }
    const meanSquare = sum / samples.length / (32768 * 32768);
    const level = dbfs(meanSquare);
    this.startedAt ??= at;
    this.now = at + L.frameMs;
    if (level > L.signalDbfs) this.lastSignalAt = this.now;

    this.clipFrames.push({ at, clipped });
    this.clippedInWindow += clipped;
    while (this.clipFrames[0]!.at < this.now - L.clippingWindowMs) this.clippedInWindow -= this.clipFrames.shift()!.clipped;

    if (this.block.frames === 0) this.block.at = at;
    this.block.sum += meanSquare;
    if (++this.block.frames === FRAMES_PER_BLOCK) {
      this.blocks.push({ at: this.block.at, meanSquare: this.block.sum / FRAMES_PER_BLOCK });
      this.block = { at: 0, sum: 0, frames: 0 };
      while (this.blocks[0]!.at < this.now - L.noiseWindowMs) this.blocks.shift();
    }

    // Speech is judged against the floor heard so far; before a first pause the floor is the speech itself,
    // so nothing counts as speech until the speaker has paused once.
    const floor = this.blocks.length ? dbfs(this.floorMeanSquare()) : level;
    if (level > L.signalDbfs && level >= floor + L.speechAboveFloorDb) {
      if (this.speechCount === SPEECH_FRAMES) this.speechSum -= this.speech[this.speechNext]!;
      else this.speechCount++;
      this.speech[this.speechNext] = meanSquare;
      this.speechSum += meanSquare;
      this.speechNext = (this.speechNext + 1) % SPEECH_FRAMES;
    }
  }

  private floorMeanSquare(): number {
    let floor = Infinity;
    for (const block of this.blocks) floor = Math.min(floor, block.meanSquare);
    return floor;
  }

  private judge(): AudioHint[] {
    if (this.startedAt === undefined) return [];
    const hints = new Set<AudioHint>();
    if (this.now - (this.lastSignalAt ?? this.startedAt) >= L.noSignalMs) {
      // Without signal the other measures describe nothing the speaker can act on.
      hints.add("no-signal");
    } else {
      // Over 2 s of audio, even while fewer than 2 s have been heard: a few clicks at Start are not clipping.
      if (this.clippedInWindow > L.clippingShare * CLIPPING_WINDOW_SAMPLES) hints.add("clipping");
      if (this.speechCount === SPEECH_FRAMES && dbfs(this.speechSum / this.speechCount) < L.quietSpeechDbfs) hints.add("too-quiet");
      if (this.now - this.startedAt >= L.noiseWindowMs && dbfs(this.floorMeanSquare()) > L.noisyFloorDbfs) hints.add("noisy-room");
    }
    const next = ORDER.filter((hint) => hints.has(hint));
    // The same array while nothing changes, so a view can skip the update.
    return next.length === this.current.length && next.every((hint, i) => hint === this.current[i]) ? this.current : next;
  }
}

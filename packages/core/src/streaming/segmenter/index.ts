/**
 * Cuts the speaker's audio into utterances at pauses. A frame is speech by a voice activity detector (behind the
 * `VoiceActivityDetector` port) or, without one, by its energy against an adaptive noise floor. A segment closes
 * after a short silence, or at a maximum length at the quietest frame of its last seconds, never mid-word. All
 * state is plain data plus one buffer (`snapshot` / `restore`), so it survives between batches and cold starts; the
 * detector's own state is not in it but rebuilt by replay from restart points taken in silence
 * (docs/design/speech-detection.md).
 */
import { concatPcm, msToSamples } from "../../audio/index.ts";
import type { VoiceActivityDetector, VoiceActivityStream } from "../../ports/index.ts";
import { energyThreshold, frameDb, nextNoiseFloor, quietestCut } from "./energy.ts";
import type { CloseCause, SegmenterEvent } from "./events.ts";
import { DEFAULT_SEGMENTER_OPTIONS, type SegmenterOptions, silenceToClose, VOICE_ACTIVITY_SEGMENTER_OPTIONS } from "./options.ts";
import type { KeptVoiceStream, SegmenterState } from "./state.ts";

export { frameDb } from "./energy.ts";
export type { ClosedSegment, CloseCause, SegmenterEvent } from "./events.ts";
export { DEFAULT_SEGMENTER_OPTIONS, type SegmenterOptions, VOICE_ACTIVITY_SEGMENTER_OPTIONS } from "./options.ts";
export type { KeptVoiceStream, SegmenterState } from "./state.ts";

export class Segmenter {
  private readonly options: SegmenterOptions;
  private readonly frame: number;
  private state: SegmenterState;
  private buffer: Int16Array;
  /** The detector's stream, at `analyzedSamples`; undefined until rebuilt after a restore. */
  private voiceStream?: VoiceActivityStream;
  private replayed = 0;

  constructor(
    options: Partial<SegmenterOptions> = {},
    state?: SegmenterState,
    buffer?: Int16Array,
    private readonly voice?: VoiceActivityDetector,
    private kept?: KeptVoiceStream,
  ) {
    this.options = { ...DEFAULT_SEGMENTER_OPTIONS, ...(voice ? VOICE_ACTIVITY_SEGMENTER_OPTIONS : {}), ...options };
    this.frame = voice ? voice.frameSamples : msToSamples(this.options.frameMs);
    this.state = state
      ? structuredClone(state)
      : {
          consumedSamples: 0,
          bufferStartSample: 0,
          analyzedSamples: 0,
          nextSequenceNumber: 1,
          noiseFloorDb: this.options.minVoicedDb - this.options.thresholdAboveNoiseDb,
          onsetFrames: 0,
          segment: null,
          // Absent, not undefined, without a detector: DynamoDB refuses undefined values in the checkpoint.
          ...(voice ? { voiceResetSample: 0 } : {}),
        };
    this.buffer = buffer ?? new Int16Array(0);
    if (voice && !state) this.voiceStream = voice.open();
  }

  static restore(
    snapshot: { state: SegmenterState; buffer: Int16Array },
    options: Partial<SegmenterOptions> = {},
    voice?: VoiceActivityDetector,
    kept?: KeptVoiceStream,
  ) {
    return new Segmenter(options, snapshot.state, snapshot.buffer, voice, kept);
  }

  /** This segmenter's detector stream and where it stands, for a later restore in this process to carry on from. */
  keptVoice(): KeptVoiceStream | undefined {
    const s = this.state;
    if (!this.voiceStream || s.voiceResetSample === undefined) return undefined;
    return { resetSample: s.voiceResetSample, position: s.analyzedSamples, stream: this.voiceStream };
  }

  /** Detector frames replayed so far to rebuild its state after a restore (what a cold start costs). */
  get replayedVoiceFrames(): number {
    return this.replayed;
  }

  snapshot(): { state: SegmenterState; buffer: Int16Array } {
    return { state: structuredClone(this.state), buffer: this.buffer.slice() };
  }

  /** The serializable state alone (a checkpoint stores this; the buffer is rebuilt from the stream). */
  stateSnapshot(): SegmenterState {
    return structuredClone(this.state);
  }

  /** Session offset, in samples, of the oldest sample still buffered: audio before it is never needed again. */
  get bufferStartSample(): number {
    return this.state.bufferStartSample;
  }

  /** Session offset, in samples, of the next sample to arrive. */
  get consumedSamples(): number {
    return this.state.consumedSamples;
  }

  get isOpen(): boolean {
    return this.state.segment !== null;
  }

  /** The segment being collected: its start and the sequence number it will get if it proves to be speech. */
  get openSegment(): { startSample: number; sequenceNumber: number; emittedSample: number; pauses: readonly number[] } | undefined {
    const segment = this.state.segment;
    return segment
      ? { startSample: segment.startSample, sequenceNumber: this.state.nextSequenceNumber, emittedSample: segment.emittedSample, pauses: segment.pauses ?? [] }
      : undefined;
  }

  /**
   * Where a cut at the maximum length may fall in the segment starting at `segmentStartSample` (the window searched
   * for its quietest frame): words after it may yet belong to the next segment, so none of them is committed as a
   * part before the segment closes.
   */
  cutWindowStart(segmentStartSample: number): number {
    return segmentStartSample + msToSamples(this.options.maxSegmentMs - this.options.cutSearchMs);
  }

  /** Buffered audio between two session offsets (a rebuilt environment replays the open segment's from here). */
  audioBetween(from: number, to: number): Int16Array {
    return this.slice(from, to).slice();
  }

  async push(pcm: Int16Array): Promise<SegmenterEvent[]> {
    const events: SegmenterEvent[] = [];
    const s = this.state;
    this.buffer = concatPcm([this.buffer, pcm]);
    s.consumedSamples += pcm.length;
    const voice = await this.voiceAtAnalyzed();

    while (s.analyzedSamples + this.frame <= s.consumedSamples) {
      const frameStart = s.analyzedSamples;
      const frameEnd = frameStart + this.frame;
      const frame = this.slice(frameStart, frameEnd);
      let voiced: boolean;
      let db = 0;
      if (voice) {
        const probability = await voice.speechProbability(frame);
        voiced = probability >= (s.segment ? this.options.silenceProbability : this.options.speechProbability);
      } else {
        db = frameDb(frame);
        voiced = db > energyThreshold(s.noiseFloorDb, this.options);
      }
      s.analyzedSamples = frameEnd;

      if (!s.segment) {
        if (!voiced && !voice) s.noiseFloorDb = nextNoiseFloor(s.noiseFloorDb, db);
        s.onsetFrames = voiced ? s.onsetFrames + 1 : 0;
        if (s.onsetFrames * this.frame >= msToSamples(this.options.onsetMs)) {
          const onsetStart = frameEnd - s.onsetFrames * this.frame;
          const startSample = Math.max(s.bufferStartSample, onsetStart - msToSamples(this.options.preRollMs));
          s.segment = {
            startSample,
            voicedSamples: s.onsetFrames * this.frame,
            lastVoicedEndSample: frameEnd,
            emittedSample: startSample,
          };
          s.onsetFrames = 0;
        } else if (voice && s.onsetFrames === 0 && frameEnd - s.voiceResetSample! >= msToSamples(this.options.voiceResetMs)) {
          s.voiceResetSample = frameEnd;
          this.voiceStream = this.voice!.open();
        }
        continue;
      }

      const segment = s.segment;
      if (voiced) {
        segment.voicedSamples += this.frame;
        segment.lastVoicedEndSample = frameEnd;
      }
      const silence = frameEnd - segment.lastVoicedEndSample;
      if (silence >= silenceToClose(this.options, frameEnd - segment.startSample)) {
        const end = segment.lastVoicedEndSample + Math.min(silence, msToSamples(this.options.trailingSilenceMs));
        this.close(end, "pause", events);
      } else if (frameEnd - segment.startSample >= msToSamples(this.options.maxSegmentMs)) {
        this.cutAtQuietestFrame(events);
      }
    }

    this.emitAudio(s.analyzedSamples, events);
    this.notePause(events);
    this.trimBuffer();
    return events;
  }

  /**
   * A pause long enough that the recognizer may finish what it heard: the audio handed out ends just where the
   * segment would end if it closed now (the last voiced frame plus the trailing silence), and the silence since has
   * lasted `pauseAfterMs`. Once per pause.
   */
  private notePause(events: SegmenterEvent[]): void {
    const segment = this.state.segment;
    if (!segment) return;
    const o = this.options;
    const trailingEnd = segment.lastVoicedEndSample + msToSamples(o.trailingSilenceMs);
    const silence = this.state.analyzedSamples - segment.lastVoicedEndSample;
    if (segment.emittedSample !== trailingEnd || silence < msToSamples(Math.max(o.pauseAfterMs, o.trailingSilenceMs))) return;
    if (segment.pauses?.at(-1) === trailingEnd) return;
    segment.pauses = [...(segment.pauses ?? []), trailingEnd];
    events.push({
      type: "pause",
      segmentStartSample: segment.startSample,
      // The number the segment gets when it closes (a segment found to be noise gets none, and its pauses go nowhere).
      sequenceNumber: this.state.nextSequenceNumber,
      atSample: trailingEnd,
      speechEndSample: segment.lastVoicedEndSample,
    });
  }

  /**
   * The detector's stream as it stands after the last analysed frame. A restored segmenter has none yet: it
   * replays the buffered audio since the detector's last restart into a fresh stream, so the decisions that
   * follow are the ones a segmenter that never stopped would make.
   */
  private async voiceAtAnalyzed(): Promise<VoiceActivityStream | undefined> {
    if (!this.voice) return undefined;
    if (!this.voiceStream) {
      const s = this.state;
      // A checkpoint written without a detector: it starts from a clean state here.
      s.voiceResetSample ??= s.analyzedSamples;
      const kept = this.kept;
      this.kept = undefined;
      const carryOn = kept && kept.resetSample === s.voiceResetSample && kept.position <= s.analyzedSamples;
      const stream = carryOn ? kept.stream : this.voice.open();
      for (let at = carryOn ? kept.position : s.voiceResetSample; at + this.frame <= s.analyzedSamples; at += this.frame) {
        await stream.speechProbability(this.slice(at, at + this.frame));
        this.replayed++;
      }
      this.voiceStream = stream;
    }
    // A restart inside `push` replaces the stream: read it again after each frame.
    return { speechProbability: (frame) => this.voiceStream!.speechProbability(frame) };
  }

  /** Closes whatever is open (the session ended): the last words are not lost. */
  flush(): SegmenterEvent[] {
    const events: SegmenterEvent[] = [];
    const segment = this.state.segment;
    if (segment) {
      this.close(this.state.consumedSamples, "end", events);
    }
    this.trimBuffer();
    return events;
  }

  private cutAtQuietestFrame(events: SegmenterEvent[]): void {
    const segment = this.state.segment!;
    const searchEnd = this.state.analyzedSamples;
    const searchStart = Math.max(
      segment.startSample + this.frame,
      searchEnd - msToSamples(this.options.cutSearchMs),
    );
    const cut = quietestCut((at) => this.slice(at, at + this.frame), this.frame, searchStart, searchEnd);
    const lastVoiced = segment.lastVoicedEndSample;
    this.close(cut, "maxLength", events);
    // The words after the cut start the next segment at once.
    this.state.segment = {
      startSample: cut,
      voicedSamples: Math.max(0, lastVoiced - cut),
      lastVoicedEndSample: Math.max(cut, lastVoiced),
      emittedSample: cut,
    };
  }

  private close(endSample: number, cause: CloseCause, events: SegmenterEvent[]): void {
    this.emitAudio(endSample, events, true);
    const segment = this.state.segment!;
    this.state.segment = null;
    this.state.onsetFrames = 0;
    if (segment.voicedSamples < msToSamples(this.options.minSpeechMs)) {
      events.push({ type: "discard", startSample: segment.startSample });
      return;
    }
    events.push({
      type: "segment",
      segment: {
        sequenceNumber: this.state.nextSequenceNumber++,
        startSample: segment.startSample,
        endSample,
        speechEndSample: Math.min(segment.lastVoicedEndSample, endSample),
        cause,
        pcm: this.slice(segment.startSample, endSample).slice(),
        pauses: (segment.pauses ?? []).filter((at) => at > segment.startSample && at < endSample),
      },
    });
  }

  /**
   * Hands out the open segment's audio up to `upTo`, as it comes: a recognizer hears the speaker without delay. Only
   * silence past the trailing silence a pause keeps is held back until speech resumes, so a segment closed by a pause
   * was streamed exactly to its end. A segment cut at its maximum length was streamed past the cut: the recognizer
   * ends its text at the cut, and the next segment is heard again from there (see `cutWindowStart`).
   */
  private emitAudio(upTo: number, events: SegmenterEvent[], closing = false): void {
    const segment = this.state.segment;
    if (!segment) return;
    if (!closing) {
      const trailingEnd = segment.lastVoicedEndSample + msToSamples(this.options.trailingSilenceMs);
      upTo = Math.min(upTo, Math.max(segment.emittedSample, trailingEnd));
    }
    if (segment.emittedSample >= upTo) return;
    events.push({
      type: "audio",
      segmentStartSample: segment.startSample,
      startSample: segment.emittedSample,
      pcm: this.slice(segment.emittedSample, upTo).slice(),
    });
    segment.emittedSample = upTo;
  }

  /** Keeps only what a segment may still need: the open segment, or the pre-roll and the unanalysed tail. */
  private trimBuffer(): void {
    const s = this.state;
    let keepFrom = s.segment
      ? s.segment.startSample
      : Math.max(s.bufferStartSample, s.analyzedSamples - msToSamples(this.options.preRollMs));
    // A rebuilt environment replays the detector from its last restart.
    if (this.voice && s.voiceResetSample !== undefined) keepFrom = Math.min(keepFrom, s.voiceResetSample);
    if (keepFrom > s.bufferStartSample) {
      this.buffer = this.buffer.slice(keepFrom - s.bufferStartSample);
      s.bufferStartSample = keepFrom;
    }
  }

  private slice(from: number, to: number): Int16Array {
    return this.buffer.subarray(from - this.state.bufferStartSample, to - this.state.bufferStartSample);
  }
}

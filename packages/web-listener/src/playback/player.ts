/**
 * The listener's audio output: one AudioContext for the whole session (unlocked once by a tap, as
 * autoplay rules require), a gain for volume and mute, an analyser for the level, and the play queue.
 */
import { type AudioEngine, type Clip, type Download, PlaybackQueue, type PlaybackState, type QueueEvent } from "./queue.ts";

export interface PlayedClip {
  sequenceNumber: number;
  /** The part of its segment, for a segment sent in parts. */
  part?: number;
  at: number;
  end: number;
}

/**
 * What tests and the status line read: whether the output runs (autoplay rules keep it suspended until a
 * tap), when each clip was ready and when it was scheduled (AudioContext clock, seconds), and the loudest
 * output heard.
 */
export interface PlaybackLog {
  output: AudioContextState;
  ready: { sequenceNumber: number; part?: number; at: number }[];
  played: PlayedClip[];
  skipped: { sequenceNumber: number; part?: number; reason: string }[];
  peakLevel: number;
}

class WebAudioEngine implements AudioEngine<AudioBuffer> {
  constructor(
    private readonly context: AudioContext,
    private readonly output: AudioNode,
  ) {}

  async load(url: string): Promise<AudioBuffer> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`audio fetch failed: HTTP ${response.status}`);
    return this.context.decodeAudioData(await response.arrayBuffer());
  }

  durationOf(buffer: AudioBuffer): number {
    return buffer.duration;
  }

  schedule(buffer: AudioBuffer, when: number) {
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.output);
    source.start(when);
    return {
      end: when + buffer.duration,
      cancel: () => {
        try {
          source.stop();
        } catch {
          // already ended
        }
      },
    };
  }

  now(): number {
    return this.context.currentTime;
  }
}

export class Player {
  readonly log: PlaybackLog;
  private readonly context: AudioContext;
  private readonly gain: GainNode;
  private readonly analyser: AnalyserNode;
  private readonly queue: PlaybackQueue<AudioBuffer>;
  private volume = 1;
  private muted = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly samples = new Float32Array(1024);

  constructor(onChange: () => void, onDownload?: (download: Download) => void) {
    this.context = new AudioContext({ latencyHint: "playback" });
    this.log = { output: this.context.state, ready: [], played: [], skipped: [], peakLevel: 0 };
    this.context.addEventListener("statechange", () => {
      this.log.output = this.context.state;
      onChange();
    });
    this.gain = this.context.createGain();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.gain.connect(this.analyser);
    this.analyser.connect(this.context.destination);
    this.queue = new PlaybackQueue(new WebAudioEngine(this.context, this.gain));
    this.queue.onEvent((event: QueueEvent) => {
      const { sequenceNumber, part } = event.clip;
      if (event.type === "ready") this.log.ready.push({ sequenceNumber, part, at: event.at });
      else if (event.type === "scheduled") this.log.played.push({ sequenceNumber, part, at: event.at, end: event.end });
      else this.log.skipped.push({ sequenceNumber, part, reason: event.reason });
      onChange();
    });
    if (onDownload) this.queue.onDownload(onDownload);
    // The queue advances on its own clock; this also measures what is actually heard.
    this.timer = setInterval(() => {
      this.queue.pump();
      this.analyser.getFloatTimeDomainData(this.samples);
      let sum = 0;
      for (const s of this.samples) sum += s * s;
      this.log.peakLevel = Math.max(this.log.peakLevel, Math.sqrt(sum / this.samples.length));
      onChange();
    }, 200);
  }

  get enabled(): boolean {
    return this.context.state === "running";
  }

  get state(): PlaybackState {
    return this.queue.state;
  }

  get lagSeconds(): number {
    return this.queue.lagSeconds;
  }

  /** Must run inside a user gesture (a tap): unlocks audio for the rest of the session. */
  async enable(): Promise<void> {
    await this.context.resume();
    this.queue.enable();
  }

  add(clip: Clip): void {
    this.queue.add(clip);
  }

  setVolume(volume: number): void {
    this.volume = Math.min(1, Math.max(0, volume));
    this.applyGain();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.applyGain();
  }

  /** A new language or session: what was queued for the old one is not played. */
  reset(): void {
    this.queue.clear();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.queue.clear();
    await this.context.close();
  }

  private applyGain(): void {
    this.gain.gain.setTargetAtTime(this.muted ? 0 : this.volume, this.context.currentTime, 0.02);
  }
}

/**
 * The listener's play queue: translated clips play strictly in order (`sequenceNumber`, then `part` within a segment
 * sent in parts), back to back
 * (no gap beyond the audio's own, no overlap), fetched a few ahead, retried, skipped when they cannot
 * be had, and dropped from the front when playback falls too far behind the speaker.
 * Audio itself is behind `AudioEngine`, so this logic is tested without a browser.
 */
import { placeInTalk } from "@livetranslate/core/protocol";

export interface Clip {
  sequenceNumber: number;
  /** The part of its segment (segments sent in parts); absent for a whole segment. */
  part?: number;
  segmentId: string;
  url: string;
  /** Seconds, as announced by the server (used before the clip is decoded). */
  duration: number;
}

export interface Scheduled {
  end: number;
  cancel(): void;
}

export interface AudioEngine<Buffer> {
  load(url: string): Promise<Buffer>;
  durationOf(buffer: Buffer): number;
  /** Starts `buffer` at `when` on the engine's clock (seconds). */
  schedule(buffer: Buffer, when: number): Scheduled;
  /** The engine's clock, in seconds. */
  now(): number;
}

export type PlaybackState = "idle" | "buffering" | "playing";

export interface QueueOptions {
  /** Clips fetched ahead of the one playing. */
  prefetch: number;
  /** Further attempts after a failed fetch, before the clip is skipped. */
  retries: number;
  retryDelayMs: number;
  /** When more than this much audio waits, the oldest clips are dropped... */
  maxLagSeconds: number;
  /** ...until no more than this much is left. */
  catchUpToSeconds: number;
  /** Headroom when starting a clip from silence, so its start is not clipped. */
  leadSeconds: number;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  prefetch: 3,
  retries: 3,
  retryDelayMs: 400,
  maxLagSeconds: 6,
  catchUpToSeconds: 2,
  leadSeconds: 0.05,
};

export type QueueEvent =
  /** Fetched and decoded at `at` (engine clock): from then on it can play. */
  | { type: "ready"; clip: Clip; at: number }
  | { type: "scheduled"; clip: Clip; at: number; end: number }
  /** `late`: a clip older than what already played, of an earlier segment (a part of the one playing still plays). */
  | { type: "skipped"; clip: Clip; reason: "failed" | "catch-up" | "late" };

/** One clip's download: from the first fetch attempt to the decoded audio (retries included), or to giving up. */
export interface Download {
  clip: Clip;
  latencyMs: number;
  ok: boolean;
}

interface Entry<Buffer> {
  clip: Clip;
  status: "waiting" | "loading" | "ready" | "failed";
  attempts: number;
  buffer?: Buffer;
}

const DONE_KEPT = 256;

export class PlaybackQueue<Buffer> {
  private readonly options: QueueOptions;
  private entries: Entry<Buffer>[] = [];
  private lastScheduled = -Infinity;
  private lastSegment?: number;
  /** Places in the talk of recent clips played or given up, so a resend of one is not taken for a late clip. */
  private readonly done = new Set<number>();
  private scheduledEnd = 0;
  private readonly playing: Scheduled[] = [];
  private enabled = false;
  private readonly listeners = new Set<(event: QueueEvent) => void>();
  private readonly downloadListeners = new Set<(download: Download) => void>();

  constructor(
    private readonly engine: AudioEngine<Buffer>,
    options: Partial<QueueOptions> = {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.options = { ...DEFAULT_QUEUE_OPTIONS, ...options };
  }

  onEvent(listener: (event: QueueEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sees every clip's download as it ends (the listener's download reports). */
  onDownload(listener: (download: Download) => void): () => void {
    this.downloadListeners.add(listener);
    return () => this.downloadListeners.delete(listener);
  }

  /**
   * Adds a clip; one already queued, played or given up is ignored (resends, reconnects). A part resent after its
   * successor played (the server retried it) plays next, late rather than never; any other clip older than what
   * played is skipped, and says so.
   */
  add(clip: Clip): void {
    const position = placeInTalk(clip);
    if (this.done.has(position)) return;
    if (this.entries.some((e) => placeInTalk(e.clip) === position)) return;
    if (position <= this.lastScheduled && !(clip.part !== undefined && clip.sequenceNumber === this.lastSegment)) {
      this.markDone(position);
      this.emit({ type: "skipped", clip, reason: "late" });
      return;
    }
    this.entries.push({ clip, status: "waiting", attempts: 0 });
    this.entries.sort((a, b) => placeInTalk(a.clip) - placeInTalk(b.clip));
    this.pump();
  }

  /** Playback starts only once the listener has enabled audio (autoplay rules). */
  enable(): void {
    this.enabled = true;
    this.pump();
  }

  get state(): PlaybackState {
    if (this.scheduledEnd > this.engine.now()) return "playing";
    return this.entries.length > 0 ? "buffering" : "idle";
  }

  /** Seconds of audio waiting to be heard: what is scheduled plus what is queued. */
  get lagSeconds(): number {
    const scheduled = Math.max(0, this.scheduledEnd - this.engine.now());
    return scheduled + this.entries.reduce((sum, e) => sum + this.durationOf(e), 0);
  }

  get pending(): number {
    return this.entries.length;
  }

  /** Stops what plays and forgets what waits (leaving the session). */
  clear(): void {
    for (const s of this.playing.splice(0)) s.cancel();
    this.entries = [];
    this.scheduledEnd = 0;
  }

  /** Advances the queue; called on every change and periodically by the player. */
  pump(): void {
    this.catchUp();
    for (const entry of this.entries.slice(0, this.options.prefetch)) {
      if (entry.status === "waiting") void this.load(entry);
    }
    if (!this.enabled) return;
    for (;;) {
      const head = this.entries[0];
      if (!head) break;
      if (head.status === "failed") {
        this.entries.shift();
        this.markDone(placeInTalk(head.clip));
        this.emit({ type: "skipped", clip: head.clip, reason: "failed" });
        continue;
      }
      if (head.status !== "ready") break;
      this.entries.shift();
      const at = Math.max(this.engine.now() + this.options.leadSeconds, this.scheduledEnd);
      const scheduled = this.engine.schedule(head.buffer!, at);
      this.playing.push(scheduled);
      if (this.playing.length > 8) this.playing.shift();
      this.scheduledEnd = scheduled.end;
      this.lastScheduled = Math.max(this.lastScheduled, placeInTalk(head.clip));
      this.lastSegment = head.clip.sequenceNumber;
      this.markDone(placeInTalk(head.clip));
      this.emit({ type: "scheduled", clip: head.clip, at, end: scheduled.end });
    }
    // Keep the prefetch window full after clips left the queue.
    for (const entry of this.entries.slice(0, this.options.prefetch)) {
      if (entry.status === "waiting") void this.load(entry);
    }
  }

  /** Too far behind the speaker: drop the oldest waiting clips rather than drift further. */
  private catchUp(): void {
    if (this.lagSeconds <= this.options.maxLagSeconds) return;
    while (this.entries.length > 1 && this.lagSeconds > this.options.catchUpToSeconds) {
      const dropped = this.entries.shift()!;
      this.lastScheduled = Math.max(this.lastScheduled, placeInTalk(dropped.clip));
      this.markDone(placeInTalk(dropped.clip));
      this.emit({ type: "skipped", clip: dropped.clip, reason: "catch-up" });
    }
  }

  private markDone(position: number): void {
    this.done.add(position);
    if (this.done.size > DONE_KEPT) this.done.delete(this.done.values().next().value!);
  }

  private durationOf(entry: Entry<Buffer>): number {
    return entry.buffer !== undefined ? this.engine.durationOf(entry.buffer) : entry.clip.duration;
  }

  private async load(entry: Entry<Buffer>): Promise<void> {
    entry.status = "loading";
    const started = this.clock();
    for (;;) {
      entry.attempts++;
      try {
        entry.buffer = await this.engine.load(entry.clip.url);
        entry.status = "ready";
        break;
      } catch {
        if (entry.attempts > this.options.retries) {
          entry.status = "failed";
          break;
        }
        await this.sleep(this.options.retryDelayMs * entry.attempts);
      }
    }
    if (entry.status === "ready") this.emit({ type: "ready", clip: entry.clip, at: this.engine.now() });
    const download = { clip: entry.clip, latencyMs: this.clock() - started, ok: entry.status === "ready" };
    for (const listener of this.downloadListeners) listener(download);
    this.pump();
  }

  private emit(event: QueueEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * Numbers the speaker's chunks and makes sure none is lost to a dropped connection: chunks made while
 * disconnected wait (up to a minute), and on reconnect the last few seconds sent before the drop go
 * again with the same `chunkIndex` (the server processes each index once, so resending is safe).
 *
 * Indexes are the session's, not the page's: a reloaded page or another tab continues where the session's
 * numbering stands (`continueFrom`), since the server drops an index it has already taken as a repeat.
 */
import { pcmToBase64 } from "@livetranslate/core/audio";
import { type AudioChunkMessage, PCM_FORMAT } from "@livetranslate/core/protocol";

export interface ChunkSenderOptions {
  /** Sent chunks kept for resending: they may have been lost with the connection. */
  resendWindowMs: number;
  /** Unsent audio kept while disconnected; older audio is dropped (and counted). */
  maxWaitingMs: number;
  /** The first index this sender gives (where the page's saved numbering stood). */
  firstIndex: number;
  /** Told the next index after each chunk is numbered, to save it across reloads. */
  onNumbered?: (nextIndex: number) => void;
}

export class ChunkSender {
  private nextIndex: number;
  private recent: AudioChunkMessage[] = [];
  private waiting: AudioChunkMessage[] = [];
  /** Chunks that went out at least once: their index is spoken for and never changes. */
  private readonly sent = new WeakSet<AudioChunkMessage>();
  /** Sending waits (chunks queue) until the session's numbering is known. */
  private holding = false;
  /** Chunks dropped because the connection stayed down too long. */
  lost = 0;
  private readonly options: ChunkSenderOptions;

  constructor(
    private readonly sessionId: string,
    private readonly send: (message: AudioChunkMessage) => boolean,
    options: Partial<ChunkSenderOptions> = {},
  ) {
    this.options = { resendWindowMs: 3000, maxWaitingMs: 60_000, firstIndex: 0, ...options };
    this.nextIndex = this.options.firstIndex;
  }

  get next(): number {
    return this.nextIndex;
  }

  /** Queue chunks instead of sending them until `continueFrom` or `resume` (the numbering is being asked for). */
  hold(): void {
    this.holding = true;
  }

  /**
   * The session's numbering stands at `index`: chunks never sent yet that would reuse an index below it are
   * renumbered from it, and numbering goes on from there. Chunks already sent keep theirs (a resend must match).
   */
  continueFrom(index: number): void {
    const unsent = this.waiting.filter((m) => !this.sent.has(m));
    if (unsent.length > 0 && unsent[0]!.chunkIndex < index) {
      for (const [i, message] of unsent.entries()) message.chunkIndex = index + i;
      this.nextIndex = index + unsent.length;
    } else if (unsent.length === 0) {
      this.nextIndex = Math.max(this.nextIndex, index);
    }
    this.options.onNumbered?.(this.nextIndex);
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  push(pcm: Int16Array, capturedAt: number): void {
    const message: AudioChunkMessage = {
      action: "audioChunk",
      sessionId: this.sessionId,
      chunkIndex: this.nextIndex++,
      timestamp: capturedAt,
      format: PCM_FORMAT,
      audioData: pcmToBase64(pcm),
    };
    this.options.onNumbered?.(this.nextIndex);
    if (!this.holding && this.waiting.length === 0 && this.send(message)) {
      this.remember(message);
      return;
    }
    this.waiting.push(message);
    const oldest = capturedAt - this.options.maxWaitingMs;
    while (this.waiting.length > 0 && this.waiting[0]!.timestamp < oldest) {
      this.waiting.shift();
      this.lost++;
    }
  }

  /** The connection is back: resend the recent past, then everything that waited, in order. */
  resume(): void {
    this.holding = false;
    const again = [...this.recent, ...this.waiting];
    this.recent = [];
    this.waiting = [];
    for (const [i, message] of again.entries()) {
      if (!this.send(message)) {
        this.waiting = again.slice(i);
        return;
      }
      this.remember(message);
    }
  }

  private remember(message: AudioChunkMessage): void {
    this.sent.add(message);
    this.recent.push(message);
    const oldest = message.timestamp - this.options.resendWindowMs;
    while (this.recent.length > 0 && this.recent[0]!.timestamp < oldest) this.recent.shift();
  }
}

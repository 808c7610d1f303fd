/**
 * Numbers the speaker's chunks and makes sure none is lost to a dropped connection: chunks made while
 * disconnected wait (up to a minute), and on reconnect the last few seconds sent before the drop go
 * again with the same `chunkIndex` (the server processes each index once, so resending is safe).
 */
import { pcmToBase64 } from "@livetranslate/core/audio";
import { type AudioChunkMessage, PCM_FORMAT } from "@livetranslate/core/protocol";

export interface ChunkSenderOptions {
  /** Sent chunks kept for resending: they may have been lost with the connection. */
  resendWindowMs: number;
  /** Unsent audio kept while disconnected; older audio is dropped (and counted). */
  maxWaitingMs: number;
}

export class ChunkSender {
  private nextIndex = 0;
  private recent: AudioChunkMessage[] = [];
  private waiting: AudioChunkMessage[] = [];
  /** Chunks dropped because the connection stayed down too long. */
  lost = 0;
  private readonly options: ChunkSenderOptions;

  constructor(
    private readonly sessionId: string,
    private readonly send: (message: AudioChunkMessage) => boolean,
    options: Partial<ChunkSenderOptions> = {},
  ) {
    this.options = { resendWindowMs: 3000, maxWaitingMs: 60_000, ...options };
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
    if (this.waiting.length === 0 && this.send(message)) {
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
    this.recent.push(message);
    const oldest = message.timestamp - this.options.resendWindowMs;
    while (this.recent.length > 0 && this.recent[0]!.timestamp < oldest) this.recent.shift();
  }
}

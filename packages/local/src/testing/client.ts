/** A protocol client over `ws` that records what it receives, for tests and benchmarks. */
import { pcmToBase64 } from "@livetranslate/core/audio";
import { PCM_FORMAT, type ServerMessage } from "@livetranslate/core/protocol";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import WebSocket from "ws";

export interface Received {
  at: number;
  message: ServerMessage;
}

export class ProtocolClient {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      this.received.push({ at: Date.now(), message: JSON.parse(data.toString()) as ServerMessage });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static connect(wsUrl: string, query: Record<string, string>): Promise<ProtocolClient> {
    const url = `${wsUrl}?${new URLSearchParams(query)}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once("open", () => resolve(new ProtocolClient(socket)));
      socket.once("unexpected-response", (_req, res) => reject(new ConnectRefused(res.statusCode ?? 0)));
      socket.once("error", reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  sendChunk(sessionId: string, chunkIndex: number, pcm: Int16Array, timestamp = Date.now()): void {
    this.send({ action: "audioChunk", sessionId, chunkIndex, timestamp, format: PCM_FORMAT, audioData: pcmToBase64(pcm) });
  }

  messages<T extends ServerMessage["type"]>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.received.filter((r) => r.message.type === type).map((r) => r.message as Extract<ServerMessage, { type: T }>);
  }

  /**
   * Waits until `predicate` holds over what was received (checked on every message). `timeoutMs` is for the
   * reference machine: it is scaled by the test run's calibration.
   */
  async waitFor<R>(predicate: (received: Received[]) => R | undefined | false, baseTimeoutMs = 10_000, what = "a message"): Promise<R> {
    const timeoutMs = scaledTimeout(baseTimeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = predicate(this.received);
      if (result) return result;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${JSON.stringify(this.received.map((r) => r.message)).slice(0, 2000)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Pings every `intervalMs` as the apps do: the gateway, like API Gateway, closes a connection that sends nothing
   * for 10 minutes (a listener only ever receives).
   */
  keepAlive(intervalMs = 60_000): void {
    const timer = setInterval(() => {
      if (this.socket.readyState === WebSocket.OPEN) this.send({ action: "ping" });
    }, intervalMs);
    timer.unref();
    this.socket.once("close", () => clearInterval(timer));
  }

  /** Sends a ping and waits for its pong: proves the connection still works. */
  async roundTrip(timeoutMs = 5000): Promise<void> {
    const before = this.messages("pong").length;
    this.send({ action: "ping" });
    await this.waitFor(() => this.messages("pong").length > before, timeoutMs, "pong");
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }
}

export class ConnectRefused extends Error {
  constructor(readonly status: number) {
    super(`connection refused with HTTP ${status}`);
  }
}

/** Streams PCM as 100 ms chunks, paced in real time like a microphone; returns the next chunk index. */
export async function streamInRealTime(
  speaker: ProtocolClient,
  sessionId: string,
  chunks: Iterable<Int16Array>,
  options: { firstChunkIndex?: number; chunkMs?: number; startAt?: number; onChunk?: (index: number) => void; speed?: number } = {},
): Promise<number> {
  const chunkMs = options.chunkMs ?? 100;
  // speed > 1 plays the audio faster than real time (benchmarks); capture times follow the same clock.
  const pace = chunkMs / (options.speed ?? 1);
  const startAt = options.startAt ?? Date.now();
  let index = options.firstChunkIndex ?? 0;
  let n = 0;
  for (const pcm of chunks) {
    // A microphone hands over a chunk when its last sample is captured; its timestamp is its first sample's.
    const capturedAt = startAt + n * pace;
    const wait = capturedAt + pace - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    speaker.sendChunk(sessionId, index, pcm, capturedAt);
    options.onChunk?.(index);
    index++;
    n++;
  }
  return index;
}

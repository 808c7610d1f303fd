import type { AudioChunkMessage } from "@livetranslate/core/protocol";
import { describe, expect, it } from "vitest";
import { ChunkSender } from "./chunk-sender.ts";

function link() {
  let up = true;
  const delivered: AudioChunkMessage[] = [];
  return {
    delivered,
    set up(value: boolean) {
      up = value;
    },
    send: (m: AudioChunkMessage) => {
      if (!up) return false;
      delivered.push(m);
      return true;
    },
  };
}

const pcm = new Int16Array(1600).fill(3);

describe("ChunkSender", () => {
  it("numbers chunks from 0 in order, with the capture time and base64 PCM", () => {
    const l = link();
    const sender = new ChunkSender("joyful-hope-911", l.send);
    sender.push(pcm, 1000);
    sender.push(pcm, 1100);
    expect(l.delivered.map((m) => [m.chunkIndex, m.timestamp])).toEqual([
      [0, 1000],
      [1, 1100],
    ]);
    expect(l.delivered[0]).toMatchObject({ action: "audioChunk", sessionId: "joyful-hope-911", format: "pcm-s16le-16000" });
    expect(atob(l.delivered[0]!.audioData).length).toBe(3200);
  });

  it("keeps chunks while disconnected and, on reconnect, resends the last seconds then the rest, same indexes", () => {
    const l = link();
    const sender = new ChunkSender("s", l.send, { resendWindowMs: 300 });
    for (let i = 0; i < 10; i++) sender.push(pcm, i * 100);
    l.up = false;
    for (let i = 10; i < 15; i++) sender.push(pcm, i * 100);
    expect(sender.waitingCount).toBe(5);
    l.up = true;
    sender.resume();
    const resent = l.delivered.slice(10).map((m) => m.chunkIndex);
    expect(resent).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    sender.push(pcm, 1500);
    expect(l.delivered.at(-1)!.chunkIndex).toBe(15);
  });

  it("never sends a new chunk ahead of older ones still waiting", () => {
    const l = link();
    const sender = new ChunkSender("s", l.send);
    l.up = false;
    sender.push(pcm, 0);
    l.up = true;
    sender.push(pcm, 100);
    expect(l.delivered).toEqual([]);
    sender.resume();
    expect(l.delivered.map((m) => m.chunkIndex)).toEqual([0, 1]);
  });

  it("drops the oldest audio when the connection stays down too long, and counts it", () => {
    const l = link();
    const sender = new ChunkSender("s", l.send, { maxWaitingMs: 1000 });
    l.up = false;
    for (let i = 0; i < 20; i++) sender.push(pcm, i * 100);
    expect(sender.lost).toBe(9);
    l.up = true;
    sender.resume();
    expect(l.delivered[0]!.chunkIndex).toBe(9);
  });

  it("a reloaded page continues the session's numbering: chunks made before the answer are renumbered, none reused", () => {
    const l = link();
    const saved: number[] = [];
    // The page's saved numbering is behind the server's (another tab spoke meanwhile).
    const sender = new ChunkSender("s", l.send, { firstIndex: 40, onNumbered: (n) => saved.push(n) });
    sender.hold();
    sender.push(pcm, 0);
    sender.push(pcm, 100);
    expect(l.delivered).toEqual([]);
    sender.continueFrom(390);
    sender.resume();
    sender.push(pcm, 200);
    expect(l.delivered.map((m) => m.chunkIndex)).toEqual([390, 391, 392]);
    expect(saved.at(-1)).toBe(393);
  });

  it("keeps the indexes of chunks already sent when told a position after a reconnect", () => {
    const l = link();
    const sender = new ChunkSender("s", l.send, { resendWindowMs: 1000 });
    for (let i = 0; i < 5; i++) sender.push(pcm, i * 100);
    l.up = false;
    sender.push(pcm, 500);
    l.up = true;
    sender.hold();
    // The server took 0-4 already; the resend of 0-4 must keep its indexes, the unsent chunk 5 too (5 >= 5).
    sender.continueFrom(5);
    sender.resume();
    expect(l.delivered.map((m) => m.chunkIndex)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5]);
    expect(sender.next).toBe(6);
  });

  it("moves on past a position ahead of it when nothing waits", () => {
    const l = link();
    const sender = new ChunkSender("s", l.send);
    sender.continueFrom(7);
    sender.push(pcm, 0);
    expect(l.delivered.map((m) => m.chunkIndex)).toEqual([7]);
  });
});

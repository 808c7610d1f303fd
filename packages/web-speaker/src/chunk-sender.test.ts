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
});

import { describe, expect, it } from "vitest";
import { type Chunk, ChunkOrder, endsNow, MAX_END_WAIT_MS } from "./chunk-order.ts";

const chunk = (chunkIndex: number): Chunk => ({
  kind: "chunk",
  sessionId: "s",
  chunkIndex,
  capturedAt: chunkIndex * 100,
  ingestedAt: chunkIndex * 100,
  audioData: "AAAA",
  position: { shardId: "shardId-000000000000", sequenceNumber: String(1000 + chunkIndex) },
});

function feed(order: ChunkOrder, indexes: number[]) {
  return indexes.flatMap((i) => order.accept(chunk(i)).ready.map((c) => c.chunkIndex));
}

describe("ChunkOrder", () => {
  it("passes chunks through in order", () => {
    expect(feed(new ChunkOrder(), [0, 1, 2, 3])).toEqual([0, 1, 2, 3]);
  });

  it("drops a chunk seen before, whether processed or held", () => {
    const order = new ChunkOrder();
    expect(feed(order, [0, 1, 1, 0, 3, 3])).toEqual([0, 1]);
    expect(order.accept(chunk(3)).duplicate).toBe(true);
    expect(feed(order, [2])).toEqual([2, 3]);
  });

  it("restores the order of swapped chunks", () => {
    expect(feed(new ChunkOrder(), [0, 2, 1, 4, 3, 5])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("waits for a chunk delayed by a second (ten chunks later)", () => {
    const order = new ChunkOrder();
    expect(feed(order, [0, ...Array.from({ length: 10 }, (_, i) => i + 2)])).toEqual([0]);
    expect(feed(order, [1])).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });

  it("skips a missing chunk once the stated time of audio captured after it has arrived, and counts it late if it comes", () => {
    const order = new ChunkOrder({}, 300);
    expect(feed(order, [0, 2, 3, 4])).toEqual([0]);
    const accepted = order.accept(chunk(5));
    expect(accepted.ready.map((c) => c.chunkIndex)).toEqual([2, 3, 4, 5]);
    expect(accepted.skipped).toBe(1);
    const late = order.accept(chunk(1));
    expect(late).toMatchObject({ ready: [], late: true, duplicate: false });
    expect(order.accept(chunk(3))).toMatchObject({ late: false, duplicate: true });
  });

  it("by default waits 1.5 s of audio, whatever the chunk length", () => {
    const order = new ChunkOrder();
    // 250 ms chunks: six of them after the gap reach 1.25 s, the seventh 1.5 s.
    const long = (i: number): Chunk => ({ ...chunk(i), capturedAt: i * 250, ingestedAt: i * 250 });
    order.accept(long(0));
    for (let i = 2; i <= 7; i++) expect(order.accept(long(i)).skipped).toBe(0);
    expect(order.accept(long(8)).skipped).toBe(1);
  });

  it("survives a snapshot round trip through JSON", () => {
    const first = new ChunkOrder();
    feed(first, [0, 2]);
    const second = new ChunkOrder(JSON.parse(JSON.stringify(first.snapshot())));
    expect(feed(second, [1, 3])).toEqual([1, 2, 3]);
  });

  it("drains what it holds when the session ends", () => {
    const order = new ChunkOrder();
    feed(order, [0, 2, 3]);
    expect(order.drain().map((c) => c.chunkIndex)).toEqual([2, 3]);
  });

  it("waits for a chunk overtaken in a reconnect's burst: a minute of audio arriving within milliseconds skips nothing", () => {
    const order = new ChunkOrder();
    // The backlog is ingested all at once (its Message invocations ran side by side); chunk 5 lands last.
    const burst = (i: number): Chunk => ({ ...chunk(i), ingestedAt: 60_000 + (i === 5 ? 40 : i % 7) });
    const ready: number[] = [];
    for (let i = 0; i < 600; i++) {
      if (i === 5) continue;
      const accepted = order.accept(burst(i));
      expect(accepted.skipped).toBe(0);
      ready.push(...accepted.ready.map((c) => c.chunkIndex));
    }
    ready.push(...order.accept(burst(5)).ready.map((c) => c.chunkIndex));
    expect(ready).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it("still skips a gap of a burst once live chunks have come in for the wait after it", () => {
    const order = new ChunkOrder();
    const burst = (i: number): Chunk => ({ ...chunk(i), ingestedAt: 60_000 });
    for (let i = 0; i < 100; i++) if (i !== 5) order.accept(burst(i));
    // Live audio follows at its real pace: the missing chunk is given up 1.5 s of server time later.
    const live = (i: number): Chunk => ({ ...chunk(i), ingestedAt: 60_000 + (i - 99) * 100 });
    const skipped = Array.from({ length: 20 }, (_, k) => order.accept(live(100 + k)).skipped);
    expect(skipped.indexOf(1)).toBe(14);
  });

  it("waits for chunk 0 when a later chunk of a new session arrives first", () => {
    const order = new ChunkOrder();
    expect(feed(order, [1, 2])).toEqual([]);
    expect(feed(order, [0, 3])).toEqual([0, 1, 2, 3]);
  });

  it("ends a session once the chunks up to the last one sent are in or given up on, or records keep coming without them", () => {
    const order = new ChunkOrder();
    feed(order, [0, 1, 3]);
    const ending = { lastChunkIndex: 4, ingestedAt: 350 };
    expect(endsNow(ending, order, 350)).toBe(false);
    expect(order.missingThrough(4)).toBe(2);
    feed(order, [2]);
    expect(endsNow(ending, order, 360)).toBe(false);
    expect(endsNow(ending, order, 350 + 1500)).toBe(false);
    expect(endsNow(ending, order, 350 + MAX_END_WAIT_MS)).toBe(true);
    feed(order, [4]);
    expect(endsNow(ending, order, 370)).toBe(true);
    expect(endsNow({ ingestedAt: 0 }, new ChunkOrder(), 0)).toBe(true);
  });

  it("tells a chunk index reused long after from a resend", () => {
    const order = new ChunkOrder();
    feed(order, [0, 1, 2]);
    expect(order.reusedIndex({ ...chunk(1), capturedAt: 200 + 10_001 }, 200)).toBe(true);
    expect(order.reusedIndex({ ...chunk(1), capturedAt: 200 + 3000 }, 200)).toBe(false);
    expect(order.nextChunkIndex).toBe(3);
  });
});

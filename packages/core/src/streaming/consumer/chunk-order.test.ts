import { describe, expect, it } from "vitest";
import { type Chunk, ChunkOrder } from "./chunk-order.ts";

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
    const long = (i: number): Chunk => ({ ...chunk(i), capturedAt: i * 250 });
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
});

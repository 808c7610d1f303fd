import { describe, expect, it } from "vitest";
import { type Chunk, ChunkOrder } from "./chunk-order.ts";

const chunk = (chunkIndex: number): Chunk => ({
  kind: "chunk",
  sessionId: "s",
  chunkIndex,
  capturedAt: chunkIndex * 100,
  ingestedAt: chunkIndex * 100,
  audioData: "AAAA",
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

  it("skips a chunk that never comes once too many are waiting", () => {
    const order = new ChunkOrder(undefined, 3);
    expect(feed(order, [0, 2, 3, 4])).toEqual([0]);
    const accepted = order.accept(chunk(5));
    expect(accepted.ready.map((c) => c.chunkIndex)).toEqual([2, 3, 4, 5]);
    expect(accepted.skipped).toBe(1);
    expect(feed(order, [1])).toEqual([]);
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

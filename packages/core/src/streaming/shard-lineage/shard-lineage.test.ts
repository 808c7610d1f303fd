import type { Shard } from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { ShardLineage } from "./index.ts";

const shard = (id: string, parents: string[] = [], closed = false): Shard => ({
  ShardId: id,
  ...(parents[0] ? { ParentShardId: parents[0] } : {}),
  ...(parents[1] ? { AdjacentParentShardId: parents[1] } : {}),
  HashKeyRange: { StartingHashKey: "0", EndingHashKey: "1" },
  SequenceNumberRange: { StartingSequenceNumber: "0", ...(closed ? { EndingSequenceNumber: "9" } : {}) },
});

describe("the shard lineage", () => {
  // Shard 0 split into 1 and 2; 1 and 2 merged into 3.
  const stream = [shard("s0", [], true), shard("s1", ["s0"], true), shard("s2", ["s0"], true), shard("s3", ["s1", "s2"])];

  it("starts a fresh reader at LATEST on the open shards only", () => {
    const lineage = new ShardLineage(stream, { hasPosition: () => false, startingPosition: "LATEST" });
    expect(lineage.ready(stream)).toEqual([{ shardId: "s3", from: "LATEST" }]);
  });

  it("starts a fresh reader at TRIM_HORIZON on the oldest shards, and each child once all its parents are finished", () => {
    const lineage = new ShardLineage(stream, { hasPosition: () => false, startingPosition: "TRIM_HORIZON" });
    expect(lineage.ready(stream)).toEqual([{ shardId: "s0", from: "TRIM_HORIZON" }]);
    lineage.finish("s0");
    expect(lineage.ready(stream).map((s) => s.shardId)).toEqual(["s1", "s2"]);
    lineage.finish("s1");
    // The merge waits for both parents.
    expect(lineage.ready(stream)).toEqual([]);
    lineage.finish("s2");
    expect(lineage.ready(stream)).toEqual([{ shardId: "s3", from: "TRIM_HORIZON" }]);
    expect(lineage.ready(stream)).toEqual([]);
  });

  it("resumes where an earlier run got to: its finished shards stay finished, a never-read child starts from its start", () => {
    const lineage = new ShardLineage(stream, { hasPosition: (id) => id === "s1", finished: ["s0", "s2"], startingPosition: "LATEST" });
    expect(lineage.ready(stream)).toEqual([{ shardId: "s1", from: "TRIM_HORIZON" }]);
    lineage.finish("s1");
    expect(lineage.ready(stream)).toEqual([{ shardId: "s3", from: "TRIM_HORIZON" }]);
  });

  it("treats parents trimmed from the stream as read long ago", () => {
    const trimmed = [shard("s3", ["s1", "s2"])];
    const lineage = new ShardLineage(trimmed, { hasPosition: () => false, startingPosition: "TRIM_HORIZON" });
    expect(lineage.ready(trimmed)).toEqual([{ shardId: "s3", from: "TRIM_HORIZON" }]);
  });
});

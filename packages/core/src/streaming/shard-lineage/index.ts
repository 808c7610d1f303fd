/**
 * Which shards of a Kinesis stream to read now. Shards split and merge (an on-demand stream does so as it grows): as
 * Lambda's event source does, a child shard is read from its start once every parent is read to its end, so a
 * partition key's records stay in order across the split. Local mode's poller and the service's shard reader both
 * follow the stream's lineage through this one record.
 */
import type { Shard } from "@aws-sdk/client-kinesis";

export function parentsOf(shard: Shard): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined);
}

export interface LineageStart {
  /** Whether a shard has a saved position (the reader ran before); a shard with one resumes after it. */
  hasPosition(shardId: string): boolean;
  /** Shards already read to their end by an earlier run. */
  finished?: readonly string[];
  /** Where a reader that never read this stream begins: LATEST reads the open shards only. */
  startingPosition: "LATEST" | "TRIM_HORIZON";
}

export class ShardLineage {
  /** Shards being read or read already, and those read to their end (closed by a split or a merge). */
  private readonly started = new Set<string>();
  private readonly finishedShards = new Set<string>();
  private first = true;
  /** True while no shard had a saved position: the first shards begin at the starting position. */
  readonly fresh: boolean;

  constructor(shards: readonly Shard[], private readonly start: LineageStart) {
    const known = new Set(shards.map((s) => s.ShardId!));
    for (const shardId of start.finished ?? []) this.finishedShards.add(shardId);
    this.fresh = !shards.some((s) => start.hasPosition(s.ShardId!)) && (start.finished ?? []).length === 0;
    // A reader that never read this stream starts at its starting position: at LATEST, on the open shards only.
    if (this.fresh && start.startingPosition === "LATEST") {
      for (const shard of shards) if (shard.SequenceNumberRange?.EndingSequenceNumber) this.finishedShards.add(shard.ShardId!);
    }
    // Parents trimmed from the stream were read long ago.
    for (const shard of shards) for (const parent of parentsOf(shard)) if (!known.has(parent)) this.finishedShards.add(parent);
  }

  /**
   * The shards of `shards` to start reading now: not started yet, not finished, every parent finished. Each is marked
   * started, with where it begins when it has no saved position: the first shards of a fresh reader at the starting
   * position, any later one at its first record (a child's parents' records came before it).
   */
  ready(shards: readonly Shard[]): { shardId: string; from: "LATEST" | "TRIM_HORIZON" }[] {
    const from = this.first && this.fresh ? this.start.startingPosition : "TRIM_HORIZON";
    this.first = false;
    const ready: { shardId: string; from: "LATEST" | "TRIM_HORIZON" }[] = [];
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      if (this.started.has(shardId) || this.finishedShards.has(shardId)) continue;
      if (!parentsOf(shard).every((parent) => this.finishedShards.has(parent))) continue;
      ready.push({ shardId, from });
    }
    for (const { shardId } of ready) this.started.add(shardId);
    return ready;
  }

  /** A shard was read to its end: its children may start once `ready` sees them. */
  finish(shardId: string): void {
    this.finishedShards.add(shardId);
  }

  isFinished(shardId: string): boolean {
    return this.finishedShards.has(shardId);
  }
}

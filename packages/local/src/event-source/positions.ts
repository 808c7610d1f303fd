/**
 * How far the event source mapping has got in each shard. Lambda's mapping keeps its position through
 * anything; local mode keeps it in a file of its data folder, so after a restart (even `kill -9`) the
 * consumer resumes after the last record it finished, neither losing what was still unread nor reading
 * the whole stream again.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export interface ShardPositions {
  /** The sequence number of the last record finished in the shard, if any. */
  get(shardId: string): string | undefined;
  set(shardId: string, sequenceNumber: string): void;
}

export function filePositions(file: string): ShardPositions {
  const positions: Record<string, string> = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : {};
  return {
    get: (shardId) => positions[shardId],
    set(shardId, sequenceNumber) {
      positions[shardId] = sequenceNumber;
      // Write then rename: a kill in the middle leaves the previous file whole.
      writeFileSync(`${file}.tmp`, JSON.stringify(positions));
      renameSync(`${file}.tmp`, file);
    },
  };
}

/**
 * How far the shard reader has got in each shard of its stream consumer, kept in the table so a restarted task
 * resumes after the last record it fully processed: the next record's sessions may see a repeat, which the consumer
 * drops, but never a gap. A shard read to its end is marked finished, so a restart starts its children rather than
 * the shard again. No expiry: a few items per shard, and a stream consumer's progress must outlive a quiet day.
 */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../../domain/db/table.ts";

export interface SavedProgress {
  /** The last position processed through (a record's, or an empty stretch's `ContinuationSequenceNumber`). */
  sequenceNumber?: string;
  /** The shard is closed and every record of it processed. */
  finished: boolean;
}

export interface ShardProgress {
  /** Every shard with saved progress. */
  load(): Promise<Map<string, SavedProgress>>;
  save(shardId: string, progress: SavedProgress): Promise<void>;
}

export function shardProgressEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "shardProgress", version: "1", service },
      attributes: {
        /** The enhanced fan-out consumer reading the stream (its ARN names the stream too). */
        consumerArn: { type: "string", required: true },
        shardId: { type: "string", required: true },
        sequenceNumber: { type: "string" },
        finished: { type: "boolean", required: true },
        updatedAt: { type: "number", required: true },
      },
      indexes: {
        byShard: {
          pk: { field: "pk", composite: ["consumerArn"] },
          sk: { field: "sk", composite: ["shardId"] },
        },
      },
    },
    config,
  );
}

/** One stream consumer's progress in the table; reads are strongly consistent (a restart must see the last write). */
export function tableShardProgress(config: DbConfig, consumerArn: string, now: () => number = Date.now): ShardProgress {
  const entity = shardProgressEntity(config);
  return {
    async load() {
      const { data } = await entity.query.byShard({ consumerArn }).go({ pages: "all", consistent: true });
      return new Map(data.map((item) => [item.shardId, { sequenceNumber: item.sequenceNumber, finished: item.finished }]));
    },
    async save(shardId, { sequenceNumber, finished }) {
      await entity.put({ consumerArn, shardId, sequenceNumber, finished, updatedAt: now() }).go();
    },
  };
}

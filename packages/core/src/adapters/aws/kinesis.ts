/** The speaker's audio stream on Kinesis: one record per chunk, partition key = sessionId, so a session stays in order. */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { z } from "zod";
import type { AudioIngest, IngestRecord, IngestReplay, PositionedRecord, StreamPosition } from "../../ports/index.ts";
import { describeIssues } from "../../protocol/index.ts";
import { compareSequenceNumbers } from "../../ports/stream-position.ts";
import type { IamAction } from "../../ports/iam.ts";
import { withRetries } from "./retry.ts";

const IngestRecordSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({
      kind: z.literal("chunk"),
      sessionId: z.string().min(1),
      chunkIndex: z.number().int().nonnegative(),
      capturedAt: z.number(),
      ingestedAt: z.number(),
      audioData: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64"),
    }),
    z.object({ kind: z.literal("end"), sessionId: z.string().min(1), ingestedAt: z.number(), lastChunkIndex: z.number().int().nonnegative().optional() }),
  ],
  { error: () => 'kind must be "chunk" or "end"' },
);

export function encodeIngestRecord(record: IngestRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/**
 * Decodes a record's data: the raw bytes GetRecords returns, or the base64 text of `kinesis.data` in a Lambda
 * Kinesis event. Throws an error naming each field at fault.
 */
export function decodeIngestRecord(data: Uint8Array | string): IngestRecord {
  const text = typeof data === "string" ? Buffer.from(data, "base64").toString("utf8") : new TextDecoder().decode(data);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("ingest record is not JSON");
  }
  const parsed = IngestRecordSchema.safeParse(json);
  if (!parsed.success) throw new Error(`ingest record is malformed: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export interface KinesisAudioIngestOptions {
  client: KinesisClient;
  streamName: string;
  /**
   * Retries after throttling (ProvisionedThroughputExceededException and the like) or a 5xx, with
   * exponential backoff; on top of the SDK's own few attempts, since a shard's write limit is per second.
   */
  retries?: number;
}

export class KinesisAudioIngest implements AudioIngest {
  static readonly iamActions: readonly IamAction[] = [
    { action: "kinesis:PutRecord", resource: "stream" },
    { action: "kinesis:PutRecords", resource: "stream" },
  ];

  private readonly client: KinesisClient;
  private readonly streamName: string;
  private readonly retries: number;

  constructor(options: KinesisAudioIngestOptions) {
    this.client = options.client;
    this.streamName = options.streamName;
    this.retries = options.retries ?? 4;
  }

  async put(record: IngestRecord): Promise<void> {
    await withRetries(
      () =>
        this.client.send(
          new PutRecordCommand({ StreamName: this.streamName, PartitionKey: record.sessionId, Data: encodeIngestRecord(record) }),
        ),
      this.retries + 1,
    );
  }

  /**
   * Several records in one `PutRecords` (up to 500), for producers that batch. Kinesis may accept some
   * entries and throttle others (`FailedRecordCount`): only the failed ones are sent again, in order.
   */
  async putMany(records: readonly IngestRecord[]): Promise<void> {
    for (let at = 0; at < records.length; at += 500) {
      let pending = records.slice(at, at + 500);
      await withRetries(async () => {
        const response = await this.client.send(
          new PutRecordsCommand({
            StreamName: this.streamName,
            Records: pending.map((record) => ({ PartitionKey: record.sessionId, Data: encodeIngestRecord(record) })),
          }),
        );
        if (!response.FailedRecordCount) return;
        const failed = pending.filter((_, i) => response.Records?.[i]?.ErrorCode);
        const reason = response.Records?.find((r) => r.ErrorCode);
        pending = failed;
        throw Object.assign(new Error(`${failed.length} of the records were not accepted: ${reason?.ErrorCode} ${reason?.ErrorMessage ?? ""}`.trim()), {
          name: reason?.ErrorCode === "InternalFailure" ? "InternalFailure" : "ProvisionedThroughputExceededException",
        });
      }, this.retries + 1);
    }
  }
}

/** Where a Lambda Kinesis event record was read: `eventID` is "shardId-…:sequenceNumber". */
export function positionOfEventRecord(record: { eventID: string; kinesis: { sequenceNumber: string } }): StreamPosition {
  const shardId = record.eventID.slice(0, record.eventID.lastIndexOf(":"));
  if (!shardId.startsWith("shardId-")) throw new Error(`eventID "${record.eventID}" does not name a shard`);
  return { shardId, sequenceNumber: record.kinesis.sequenceNumber };
}

/**
 * Reads a session's records back from its shard (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until
 * `through`). Records of other sessions on the shard are passed over; a record that does not decode is skipped,
 * as the consumer skipped it the first time.
 */
export class KinesisIngestReplay implements IngestReplay {
  static readonly iamActions: readonly IamAction[] = [
    { action: "kinesis:GetShardIterator", resource: "stream" },
    { action: "kinesis:GetRecords", resource: "stream" },
  ];

  constructor(private readonly options: { client: KinesisClient; streamName: string; retries?: number }) {}

  async read(sessionId: string, from: StreamPosition, through: StreamPosition): Promise<PositionedRecord[]> {
    if (from.shardId !== through.shardId) throw new Error(`cannot replay across shards (${from.shardId} to ${through.shardId})`);
    const { client, streamName } = this.options;
    const attempts = (this.options.retries ?? 4) + 1;
    const { ShardIterator } = await withRetries(
      () =>
        client.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: from.shardId,
            ShardIteratorType: "AT_SEQUENCE_NUMBER",
            StartingSequenceNumber: from.sequenceNumber,
          }),
        ),
      attempts,
    );
    const found: PositionedRecord[] = [];
    let iterator = ShardIterator;
    // An empty page is not the end while Kinesis says records lie further on; `through` was read once, so it exists.
    for (let pages = 0; iterator && pages < 10_000; pages++) {
      const page = await withRetries(() => client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 })), attempts);
      for (const record of page.Records ?? []) {
        const sequenceNumber = record.SequenceNumber!;
        if (compareSequenceNumbers(sequenceNumber, through.sequenceNumber) > 0) return found;
        if (record.PartitionKey !== sessionId) continue;
        let decoded: IngestRecord;
        try {
          decoded = decodeIngestRecord(record.Data ?? new Uint8Array());
        } catch {
          continue;
        }
        found.push({ ...decoded, position: { shardId: from.shardId, sequenceNumber } });
        if (sequenceNumber === through.sequenceNumber) return found;
      }
      if ((page.Records ?? []).length === 0 && !page.MillisBehindLatest) break;
      iterator = page.NextShardIterator;
    }
    throw new Error(`replay of ${sessionId} on ${from.shardId} ended before sequence number ${through.sequenceNumber}`);
  }
}

/** The speaker's audio stream on Kinesis: one record per chunk, partition key = sessionId, so a session stays in order. */
import { type KinesisClient, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { z } from "zod";
import type { AudioIngest, IngestRecord } from "../ports.ts";
import { describeIssues } from "../protocol/index.ts";
import type { IamAction } from "./iam.ts";
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
    z.object({ kind: z.literal("end"), sessionId: z.string().min(1), ingestedAt: z.number() }),
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

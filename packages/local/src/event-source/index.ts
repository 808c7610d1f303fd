/**
 * Plays the Lambda event source mapping for a Kinesis stream: polls each shard (every <= 100 ms, at once
 * again after a non-empty read), invokes the handler with AWS-shaped batches one at a time per shard,
 * honours `ReportBatchItemFailures` by redelivering from the first failed record, and after
 * `maxRetries` failed attempts skips the record and logs it (where AWS would send it to the on-failure
 * destination).
 */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record,
} from "@aws-sdk/client-kinesis";
import type { Log } from "@livetranslate/core/log";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface EventSourceOptions {
  client: KinesisClient;
  streamName: string;
  handler: KinesisHandler;
  batchSize?: number;
  pollIntervalMs?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  startingPosition?: "LATEST" | "TRIM_HORIZON";
  region?: string;
  log: Log;
}

export class KinesisEventSource {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private wake?: () => void;

  constructor(private readonly options: EventSourceOptions) {}

  async start(): Promise<void> {
    const { client, streamName } = this.options;
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
    if (!StreamDescription) throw new Error(`stream ${streamName} not found`);
    this.running = true;
    for (const shard of StreamDescription.Shards ?? []) {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId!,
          ShardIteratorType: this.options.startingPosition ?? "LATEST",
        }),
      );
      this.loops.push(this.pollShard(shard.ShardId!, StreamDescription.StreamARN!, ShardIterator!));
    }
  }

  /** Stops polling and waits for the invocation in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await Promise.all(this.loops);
  }

  private async pollShard(shardId: string, streamArn: string, firstIterator: string): Promise<void> {
    const { client, log } = this.options;
    const batchSize = this.options.batchSize ?? 100;
    let iterator: string | undefined = firstIterator;
    /** Records read but not yet handled successfully, oldest first. */
    let pending: _Record[] = [];
    let attempts = 0;
    while (this.running && (iterator || pending.length)) {
      if (pending.length < batchSize && iterator) {
        try {
          const page: { Records?: _Record[]; NextShardIterator?: string } = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize - pending.length }));
          pending.push(...(page.Records ?? []));
          iterator = page.NextShardIterator;
        } catch (error) {
          log({ level: "warn", event: "event_source.read_failed", shardId, error: String(error) });
          await this.sleep(this.options.pollIntervalMs ?? 100);
          continue;
        }
      }
      if (pending.length === 0) {
        await this.sleep(this.options.pollIntervalMs ?? 100);
        continue;
      }
      const batch = pending.slice(0, batchSize);
      const failedAt = await this.invoke(batch, shardId, streamArn);
      if (failedAt === undefined) {
        pending = pending.slice(batch.length);
        attempts = 0;
        continue;
      }
      // Records before the first failure are done; the rest come back, starting with the failed one.
      pending = pending.slice(failedAt);
      attempts++;
      if (attempts > (this.options.maxRetries ?? 3)) {
        const skipped = pending.shift()!;
        attempts = 0;
        log({
          level: "error",
          event: "event_source.record_discarded",
          shardId,
          sequenceNumber: skipped.SequenceNumber,
          partitionKey: skipped.PartitionKey,
          reason: "retries exhausted",
        });
      } else {
        await this.sleep(this.options.retryDelayMs ?? 200);
      }
    }
  }

  /** Returns the index of the first record to redeliver, or undefined when the batch succeeded. */
  private async invoke(batch: _Record[], shardId: string, streamArn: string): Promise<number | undefined> {
    const event: KinesisStreamEvent = { Records: batch.map((record) => this.toEventRecord(record, shardId, streamArn)) };
    try {
      const response = await this.options.handler(event);
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) return undefined;
      const indexes = failures.map((f) => batch.findIndex((r) => r.SequenceNumber === f.itemIdentifier));
      // An identifier that matches nothing fails the whole batch, as in AWS.
      return indexes.includes(-1) ? 0 : Math.min(...indexes);
    } catch (error) {
      this.options.log({ level: "error", event: "event_source.handler_failed", shardId, error: String(error) });
      return 0;
    }
  }

  private toEventRecord(record: _Record, shardId: string, streamArn: string): KinesisStreamRecord {
    const region = this.options.region ?? "us-east-1";
    return {
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.PartitionKey!,
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shardId}:${record.SequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/local-consumer",
      awsRegion: region,
      eventSourceARN: streamArn,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

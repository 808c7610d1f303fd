/**
 * Plays the Lambda event source mapping for a Kinesis stream (kinesalite in local mode): polls each shard
 * (every <= 100 ms, at once again after a non-empty read), invokes the handler with AWS-shaped batches one at
 * a time per shard, so a shard's records arrive in order, honours `ReportBatchItemFailures` by redelivering
 * from the first failed record, and after `maxRetries` retries skips the record and logs it where AWS would
 * send it to the on-failure destination. With `environments`, each batch runs in the execution environment its
 * routing picks (see environments.ts), as Lambda may run consecutive batches anywhere.
 *
 * Shards split and merge: core's shard lineage says which to read when (a child after its parents' last record).
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard as KinesisShard,
  type _Record,
} from "@aws-sdk/client-kinesis";
import { jsonLog, type Log } from "@livetranslate/core/log";
import { Pauses } from "@livetranslate/core/streaming/pauses";
import { ShardLineage } from "@livetranslate/core/streaming/shard-lineage";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { ExecutionEnvironments, KinesisHandler } from "./environments.ts";
import type { ShardPositions } from "./positions.ts";

export type { KinesisHandler } from "./environments.ts";

export interface EventSourceOptions {
  client: KinesisClient;
  streamName: string;
  /** The function, in one environment that lives as long as the event source... */
  handler?: KinesisHandler;
  /** ...or in several isolated execution environments, routed per batch (Lambda's scheduling). */
  environments?: ExecutionEnvironments;
  /** Most records per invocation (AWS `BatchSize`); default 100. */
  batchSize?: number;
  /** Wait after a read that returned nothing; default 100 ms. */
  pollIntervalMs?: number;
  /**
   * Retries of a failing record before it is skipped (AWS `MaximumRetryAttempts`: the first attempt is not a
   * retry, so a record is tried `maxRetries + 1` times); default 3.
   */
  maxRetries?: number;
  /** Wait before redelivering after a failure; default 200 ms. */
  retryDelayMs?: number;
  /** Where to begin reading a shard with no saved position; default LATEST, as a new mapping in AWS. */
  startingPosition?: "LATEST" | "TRIM_HORIZON";
  /** Saved positions: a shard that has one resumes after it, as a mapping that already ran. */
  positions?: ShardPositions;
  /** `awsRegion` of the records; default the stream ARN's region. */
  region?: string;
  /** Default: JSON lines on stdout/stderr. */
  log?: Log;
}

interface Shard {
  shardId: string;
  streamArn: string;
  /** Where its reading began: after a saved position, else at `from`. */
  after?: string;
  from: "LATEST" | "TRIM_HORIZON";
}

/** What to redeliver after an invocation: nothing, or from `index` in the batch, and why. */
type Outcome = { failedAt: undefined } | { failedAt: number; reason: string };

export class KinesisEventSource {
  private running = false;
  private loops: Promise<void>[] = [];
  private streamArn = "";
  /** Which shards to read now, as splits and merges close some and open others. */
  private lineage: ShardLineage | undefined;
  private readonly pauses = new Pauses();
  private readonly log: Log;

  constructor(private readonly options: EventSourceOptions) {
    this.log = options.log ?? jsonLog();
    if (!options.handler === !options.environments) throw new Error("give the event source a handler or environments, one of them");
  }

  /**
   * Positions an iterator on every shard to read now, then polls them in the background; a shard whose parents are
   * still to be read waits for them.
   */
  async start(): Promise<void> {
    if (this.running) throw new Error("the event source is already running");
    const { client, streamName } = this.options;
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (!StreamDescriptionSummary?.StreamARN) throw new Error(`stream ${streamName} not found`);
    this.streamArn = StreamDescriptionSummary.StreamARN;
    const shards = await this.listShards();
    this.lineage = new ShardLineage(shards, {
      hasPosition: (shardId) => this.options.positions?.get(shardId) !== undefined,
      startingPosition: this.options.startingPosition ?? "LATEST",
    });
    this.running = true;
    await this.startReadyShards(shards);
  }

  /** Starts polling every shard not started yet whose parents are read to their end; returns their ids. */
  private async startReadyShards(shards: KinesisShard[]): Promise<string[]> {
    const startedNow: string[] = [];
    for (const { shardId, from } of this.lineage!.ready(shards)) {
      const saved = this.options.positions?.get(shardId);
      if (saved) this.log({ level: "info", event: "event_source.resumed", shardId, after: saved });
      const iterator = await this.iteratorAfter(shardId, saved, from);
      this.loops.push(this.pollShard({ shardId, streamArn: this.streamArn, after: saved, from }, iterator));
      startedNow.push(shardId);
    }
    return startedNow;
  }

  /** A shard was read to its end: its children may start now. */
  private async shardFinished(shardId: string): Promise<void> {
    this.lineage!.finish(shardId);
    for (;;) {
      if (!this.running) return;
      try {
        const children = await this.startReadyShards(await this.listShards());
        this.log({ level: "info", event: "event_source.shard_finished", shardId, children });
        return;
      } catch (error) {
        this.log({ level: "warn", event: "event_source.read_failed", shardId, error: String(error) });
        await this.pauses.wait(this.options.pollIntervalMs ?? 100);
      }
    }
  }

  private async listShards(): Promise<KinesisShard[]> {
    const shards: KinesisShard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.options.streamName }),
      );
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  /** Stops polling and resolves once the invocations in flight have returned. Records not yet delivered stay unread. */
  async stop(): Promise<void> {
    this.running = false;
    this.pauses.wakeAll();
    // A shard finishing as it stops may still start its children's loops, which see `running` false and return.
    while (this.loops.length > 0) await Promise.all(this.loops.splice(0));
  }

  private async pollShard(shard: Shard, firstIterator: string | undefined): Promise<void> {
    const { client } = this.options;
    const batchSize = this.options.batchSize ?? 100;
    const pollIntervalMs = this.options.pollIntervalMs ?? 100;
    const maxRetries = this.options.maxRetries ?? 3;
    let iterator = firstIterator;
    /** The last record read, to resume after it should the iterator expire. */
    let lastRead = shard.after;
    /** Records read but not yet handled successfully, oldest first. */
    let pending: _Record[] = [];
    /** The record at the head of `pending` while it keeps failing. */
    let failing: { sequenceNumber: string; attempts: number; reason: string } | undefined;

    while (this.running && (iterator || pending.length > 0)) {
      let behind = false;
      if (iterator && pending.length < batchSize) {
        try {
          const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize - pending.length }));
          const records = page.Records ?? [];
          pending.push(...records);
          lastRead = records.at(-1)?.SequenceNumber ?? lastRead;
          iterator = page.NextShardIterator;
          behind = (page.MillisBehindLatest ?? 0) > 0;
        } catch (error) {
          let failure = error;
          // An iterator lives 5 minutes; a slow handler or a long retry can outlast it.
          if ((error as Error).name === "ExpiredIteratorException") {
            try {
              iterator = await this.renewIterator(shard, lastRead);
              continue;
            } catch (renewError) {
              failure = renewError;
            }
          }
          this.log({ level: "warn", event: "event_source.read_failed", shardId: shard.shardId, error: String(failure) });
          await this.pauses.wait(pollIntervalMs);
          continue;
        }
      }
      if (pending.length === 0) {
        // An empty read while behind means more records lie further on: read again at once, as Lambda does.
        if (!behind) await this.pauses.wait(pollIntervalMs);
        continue;
      }
      if (!this.running) break;

      const batch = pending.slice(0, batchSize);
      const outcome = await this.invoke(batch, shard);
      if (outcome.failedAt === undefined) {
        pending = pending.slice(batch.length);
        failing = undefined;
        this.finished(shard, batch.at(-1)!);
        continue;
      }
      // Records before the first failure are done; the rest come back, starting with the failed one.
      if (outcome.failedAt > 0) this.finished(shard, batch[outcome.failedAt - 1]!);
      pending = pending.slice(outcome.failedAt);
      const head = pending[0]!.SequenceNumber!;
      failing = { sequenceNumber: head, attempts: failing?.sequenceNumber === head ? failing.attempts + 1 : 1, reason: outcome.reason };
      if (!this.running) break;
      if (failing.attempts > maxRetries) {
        const discarded = pending.shift()!;
        this.discard(discarded, shard, failing.attempts, failing.reason);
        this.finished(shard, discarded);
        failing = undefined;
      } else {
        await this.pauses.wait(this.options.retryDelayMs ?? 200);
      }
    }
    // No next iterator: the shard is closed and every record of it handled.
    if (this.running && !iterator && pending.length === 0) await this.shardFinished(shard.shardId);
  }

  /** Runs the handler on one batch; a thrown error fails the whole batch, a reported failure the records from it on. */
  private async invoke(batch: _Record[], shard: Shard): Promise<Outcome> {
    const event: KinesisStreamEvent = { Records: batch.map((record) => this.toEventRecord(record, shard)) };
    let response: KinesisStreamBatchResponse | void;
    try {
      const { handler, environments } = this.options;
      response = environments ? await environments.invoke(environments.route(shard.shardId), event) : await handler!(event);
    } catch (error) {
      this.log({
        level: "error",
        event: "event_source.handler_failed",
        shardId: shard.shardId,
        firstSequenceNumber: batch[0]!.SequenceNumber,
        batchSize: batch.length,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return { failedAt: 0, reason: `handler threw: ${error instanceof Error ? error.message : String(error)}` };
    }
    const failures = Array.isArray(response?.batchItemFailures) ? response.batchItemFailures : [];
    if (failures.length === 0) return { failedAt: undefined };
    const indexes = failures.map((failure) => batch.findIndex((record) => record.SequenceNumber === failure.itemIdentifier));
    // An identifier that names no record of the batch fails the whole batch, as in AWS.
    const failedAt = indexes.includes(-1) ? 0 : Math.min(...indexes);
    return { failedAt, reason: "reported in batchItemFailures" };
  }

  /** The on-failure destination's stand-in: one JSON line with what AWS would put in its `KinesisBatchInfo`. */
  private discard(record: _Record, shard: Shard, attempts: number, reason: string): void {
    this.log({
      level: "error",
      event: "event_source.record_discarded",
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: attempts,
      reason,
      streamArn: shard.streamArn,
      shardId: shard.shardId,
      sequenceNumber: record.SequenceNumber,
      partitionKey: record.PartitionKey,
      approximateArrivalTimestamp: record.ApproximateArrivalTimestamp?.toISOString(),
    });
  }

  private renewIterator(shard: Shard, lastRead: string | undefined): Promise<string | undefined> {
    return this.iteratorAfter(shard.shardId, lastRead, shard.from);
  }

  /** An iterator just after `sequenceNumber`, or at `from` without one. */
  private async iteratorAfter(shardId: string, sequenceNumber: string | undefined, from: "LATEST" | "TRIM_HORIZON"): Promise<string | undefined> {
    const { ShardIterator } = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamName: this.options.streamName,
        ShardId: shardId,
        ...(sequenceNumber
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: sequenceNumber }
          : { ShardIteratorType: from }),
      }),
    );
    return ShardIterator;
  }

  private finished(shard: Shard, record: _Record): void {
    this.options.positions?.set(shard.shardId, record.SequenceNumber!);
  }

  private toEventRecord(record: _Record, shard: Shard): KinesisStreamRecord {
    // arn:aws:kinesis:{region}:{account}:stream/{name}
    const [, , , arnRegion, account] = shard.streamArn.split(":");
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
      eventID: `${shard.shardId}:${record.SequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::${account || "000000000000"}:role/local-consumer`,
      awsRegion: this.options.region ?? (arnRegion || "us-east-1"),
      eventSourceARN: shard.streamArn,
    };
  }
}

/**
 * The long-running consumer's reader: every shard of the stream through its enhanced fan-out consumer
 * (`SubscribeToShard`), so one process holds each session's recognizer stream. A subscription lasts 5 minutes; the
 * next one starts after its last `ContinuationSequenceNumber`. A closed shard's children start once it is read to its
 * end (core's shard lineage). Each event's records go through the same session batch as Lambda's handler.
 *
 * A session's records wait for that session's earlier ones only: a failing session is retried in place with backoff
 * while other sessions' records carry on, and after `maxRetries` retries its batch goes to the failure destination, so
 * no session blocks its shard for longer than the retry budget. Progress advances over an event once every session of
 * it and of every earlier event is done, and is kept in the table: a restart resumes after it (at least once; the
 * consumer drops repeats).
 */
import {
  DescribeStreamConsumerCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
  type _Record,
} from "@aws-sdk/client-kinesis";
import type { Log } from "../../log.ts";
import type { FailedBatches, IamAction, Measurements } from "../../ports/index.ts";
import { consumeSessions, type DecodeRecord, groupBySession, type SessionConsumer, type SessionRecords } from "../session-batch/index.ts";
import { Pauses } from "../pauses/index.ts";
import { ShardLineage } from "../shard-lineage/index.ts";
import type { SavedProgress, ShardProgress } from "./progress.ts";

export { type SavedProgress, type ShardProgress, shardProgressEntity, tableShardProgress } from "./progress.ts";

export interface ShardSubscriptionOptions {
  client: KinesisClient;
  /** The stream's enhanced fan-out consumer (registered by infra). */
  consumerArn: string;
  consumer: Pick<SessionConsumer, "consumeSession">;
  /** The stream's record format (the Kinesis adapter's `decodeIngestRecord`). */
  decode: DecodeRecord;
  progress: ShardProgress;
  failures: FailedBatches;
  log: Log;
  measurements: Pick<Measurements, "count" | "flush">;
  /** Where a reader with no saved progress begins; default LATEST, as a new event source mapping. */
  startingPosition?: "LATEST" | "TRIM_HORIZON";
  /** Retries of a failing session batch before it goes to `failures` (the first attempt is not a retry); default 3. */
  maxRetries?: number;
  /** The first retry's wait, doubled for each next one up to `maxRetryDelayMs`; default 500 ms and 8 s. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Wait before subscribing again after a subscription failed; default 1 s (Kinesis allows one call a second). */
  resubscribeDelayMs?: number;
  /** Least time between two progress writes of a shard (a shard's end and `stop()` always write); default 5 s. */
  progressEveryMs?: number;
  /** Events of a shard in flight (read, not all their sessions done) before reading waits; default 50. */
  maxEventsInFlight?: number;
  now?: () => number;
}

/** One event's sessions: progress may pass it once none is left (and none of an earlier event). */
interface InFlight {
  through: string | undefined;
  remaining: number;
  /** A session's batch was left undone by `stop()`: progress stays before this event. */
  interrupted: boolean;
}

export class ShardSubscription {
  static readonly iamActions: readonly IamAction[] = [
    { action: "kinesis:DescribeStreamConsumer", resource: "streamConsumer" },
    { action: "kinesis:SubscribeToShard", resource: "streamConsumer" },
    { action: "kinesis:ListShards", resource: "stream" },
  ];

  private running = false;
  private streamArn = "";
  private lineage: ShardLineage | undefined;
  private saved = new Map<string, SavedProgress>();
  private readonly readers: Promise<void>[] = [];
  private readonly pauses = new Pauses();
  private readonly aborts = new Set<AbortController>();
  private readonly options: Required<Omit<ShardSubscriptionOptions, "startingPosition">> & Pick<ShardSubscriptionOptions, "startingPosition">;

  constructor(options: ShardSubscriptionOptions) {
    this.options = {
      maxRetries: 3,
      retryDelayMs: 500,
      maxRetryDelayMs: 8000,
      resubscribeDelayMs: 1000,
      progressEveryMs: 5000,
      maxEventsInFlight: 50,
      now: Date.now,
      ...options,
    };
  }

  /** Reads the consumer and the saved progress, then subscribes to every shard to read now; returns once they run. */
  async start(): Promise<void> {
    if (this.running) throw new Error("the shard subscription is already running");
    const { client, consumerArn } = this.options;
    const { ConsumerDescription } = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    if (!ConsumerDescription?.StreamARN) throw new Error(`stream consumer ${consumerArn} not found`);
    if (ConsumerDescription.ConsumerStatus !== "ACTIVE") throw new Error(`stream consumer ${consumerArn} is ${ConsumerDescription.ConsumerStatus}, not ACTIVE`);
    this.streamArn = ConsumerDescription.StreamARN;
    this.saved = await this.options.progress.load();
    const shards = await this.listShards();
    this.lineage = new ShardLineage(shards, {
      hasPosition: (shardId) => this.saved.get(shardId)?.sequenceNumber !== undefined,
      finished: [...this.saved].filter(([, saved]) => saved.finished).map(([shardId]) => shardId),
      startingPosition: this.options.startingPosition ?? "LATEST",
    });
    this.running = true;
    this.startReady(shards);
  }

  /**
   * Stops reading, lets the batches in flight finish (a session waiting to be retried is left for the next run), and
   * writes each shard's progress; resolves once all is done.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.pauses.wakeAll();
    for (const abort of this.aborts) abort.abort();
    while (this.readers.length > 0) await Promise.all(this.readers.splice(0));
  }

  private startReady(shards: readonly Shard[]): string[] {
    const started = this.lineage!.ready(shards);
    for (const { shardId, from } of started) this.readers.push(this.readShard(shardId, from));
    return started.map(({ shardId }) => shardId);
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamARN: this.streamArn }));
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  private async readShard(shardId: string, from: "LATEST" | "TRIM_HORIZON"): Promise<void> {
    const { log } = this.options;
    const shard = new ShardProgressTracker(shardId, this.saved.get(shardId)?.sequenceNumber, this.options);
    if (shard.processedThrough) log({ level: "info", event: "shard_subscription.resumed", shardId, after: shard.processedThrough });
    let closed = false;
    while (this.running && !closed) {
      const startingPosition: StartingPosition = shard.readThrough
        ? { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: shard.readThrough }
        : { Type: from };
      const abort = new AbortController();
      this.aborts.add(abort);
      try {
        const { EventStream } = await this.options.client.send(
          new SubscribeToShardCommand({ ConsumerARN: this.options.consumerArn, ShardId: shardId, StartingPosition: startingPosition }),
          { abortSignal: abort.signal },
        );
        if (!EventStream) throw new Error("SubscribeToShard answered without an event stream");
        closed = await this.readSubscription(shard, EventStream);
        if (!closed && this.running) log({ level: "info", event: "shard_subscription.renewed", shardId, after: shard.readThrough, millisBehindLatest: shard.millisBehindLatest });
      } catch (error) {
        if (!this.running) break;
        log({ level: "warn", event: "shard_subscription.failed", shardId, errorName: (error as Error)?.name, error: String(error) });
        this.options.measurements.count("ShardSubscriptionFailures");
        await this.pauses.wait(this.options.resubscribeDelayMs);
      } finally {
        this.aborts.delete(abort);
      }
    }
    await shard.drain();
    // Closed, and nothing of it left undone by a stop: its children may start.
    const finished = closed && shard.processedThrough === shard.readThrough;
    await this.saveProgress(shard, true, finished);
    if (finished) await this.shardFinished(shardId);
  }

  /** Reads one subscription's events until it ends (5 minutes) or the shard closes (true) or `stop()`. */
  private async readSubscription(shard: ShardProgressTracker, stream: AsyncIterable<SubscribeToShardEventStream>): Promise<boolean> {
    const events = stream[Symbol.asyncIterator]();
    const stop = this.pauses.untilWoken();
    const stopped = stop.woken.then(() => "stopped" as const);
    try {
      // A stop while subscribing came before this wait was there to be woken.
      if (!this.running) return false;
      for (;;) {
        const read = events.next();
        // Once stopped, the abandoned read may still fail: it has nobody left to tell.
        read.catch(() => {});
        const next = await Promise.race([read, stopped]);
        if (next === "stopped" || next.done) return false;
        const event = eventOf(next.value);
        shard.millisBehindLatest = event.MillisBehindLatest;
        await shard.push(event.Records ?? [], event.ContinuationSequenceNumber, (sessions) => this.consumeWithRetries(shard.shardId, sessions));
        await this.saveProgress(shard, false, false);
        // The shard's last event names its children and no continuation: the shard is closed.
        if (event.ContinuationSequenceNumber === undefined && (event.ChildShards?.length ?? 0) > 0) return true;
      }
    } finally {
      stop.release();
      void events.return?.().catch(() => {});
    }
  }

  /** A session's batch, tried until it succeeds, is given up on (to the failure destination), or `stop()` comes. */
  private async consumeWithRetries(shardId: string, session: SessionRecords): Promise<"done" | "interrupted"> {
    const { consumer, log, measurements, maxRetries } = this.options;
    for (let attempt = 1; ; attempt++) {
      const [failure] = await consumeSessions(consumer, [session], { log, measurements });
      measurements.flush();
      if (!failure) return "done";
      if (!this.running) return "interrupted";
      if (attempt > maxRetries) {
        const given = await this.giveUp(shardId, session, attempt, failure.error);
        return given ? "done" : "interrupted";
      }
      await this.pauses.wait(Math.min(this.options.retryDelayMs * 2 ** (attempt - 1), this.options.maxRetryDelayMs));
      if (!this.running) return "interrupted";
    }
  }

  /** Sends a session's batch to the failure destination, retrying until it is taken or `stop()` comes. */
  private async giveUp(shardId: string, session: SessionRecords, attempts: number, error: unknown): Promise<boolean> {
    const first = session.records[0]!;
    const last = session.records.at(-1)!;
    const batch = {
      condition: "RetryAttemptsExhausted" as const,
      approximateInvokeCount: attempts,
      streamArn: this.streamArn,
      shardId,
      sessionId: session.sessionId,
      startSequenceNumber: first.position.sequenceNumber,
      endSequenceNumber: last.position.sequenceNumber,
      batchSize: session.records.length,
      error: error instanceof Error ? error.message : String(error),
    };
    for (;;) {
      try {
        await this.options.failures.record(batch);
        this.options.log({ level: "error", event: "shard_subscription.batch_given_up", ...batch });
        this.options.measurements.count("SessionBatchesGivenUp");
        return true;
      } catch (sendError) {
        this.options.log({ level: "error", event: "shard_subscription.failure_destination_failed", shardId, sessionId: session.sessionId, error: String(sendError) });
        if (!this.running) return false;
        await this.pauses.wait(this.options.resubscribeDelayMs);
        if (!this.running) return false;
      }
    }
  }

  private async saveProgress(shard: ShardProgressTracker, force: boolean, finished: boolean): Promise<void> {
    const now = this.options.now();
    if (!force && (shard.processedThrough === shard.savedThrough || now - shard.savedAt < this.options.progressEveryMs)) return;
    if (!finished && shard.processedThrough === shard.savedThrough) return;
    try {
      await this.options.progress.save(shard.shardId, { sequenceNumber: shard.processedThrough, finished });
      shard.savedThrough = shard.processedThrough;
      shard.savedAt = now;
    } catch (error) {
      // The next write carries this one's progress; a restart before it repeats records, which the consumer drops.
      // A shard's end not saved is found again on restart: its subscription ends at once with its children.
      this.options.log({ level: "warn", event: "shard_subscription.progress_not_saved", shardId: shard.shardId, error: String(error) });
    }
  }

  /** A shard was read to its end: its children may start now. */
  private async shardFinished(shardId: string): Promise<void> {
    this.lineage!.finish(shardId);
    while (this.running) {
      try {
        const children = this.startReady(await this.listShards());
        this.options.log({ level: "info", event: "shard_subscription.shard_finished", shardId, children });
        return;
      } catch (error) {
        this.options.log({ level: "warn", event: "shard_subscription.list_failed", shardId, error: String(error) });
        await this.pauses.wait(this.options.resubscribeDelayMs);
      }
    }
  }
}

/** An event of the subscription, or the error the stream carries instead (by its documented member name). */
function eventOf(member: SubscribeToShardEventStream): SubscribeToShardEvent {
  if (member.SubscribeToShardEvent) return member.SubscribeToShardEvent;
  const [name, value] = Object.entries(member).find(([, v]) => v !== undefined) ?? ["$unknown", undefined];
  throw Object.assign(new Error(`${name}: ${(value as { message?: string } | undefined)?.message ?? "the subscription's event stream failed"}`), { name });
}

/**
 * One shard's events in flight: each session's records wait only for that session's earlier ones, and the shard's
 * progress passes an event once all of it and everything before it is done.
 */
class ShardProgressTracker {
  /** The last position read (where the next subscription starts after). */
  readThrough: string | undefined;
  /** The last position every record up to which is processed. */
  processedThrough: string | undefined;
  savedThrough: string | undefined;
  savedAt = 0;
  millisBehindLatest: number | undefined;
  private readonly inFlight: InFlight[] = [];
  private readonly sessionTails = new Map<string, Promise<void>>();
  private readonly settled = new Set<() => void>();

  constructor(
    readonly shardId: string,
    saved: string | undefined,
    private readonly options: { log: Log; decode: DecodeRecord; maxEventsInFlight: number },
  ) {
    this.readThrough = saved;
    this.processedThrough = saved;
    this.savedThrough = saved;
  }

  /** Starts an event's sessions, each after its own earlier batches; waits while too many events are in flight. */
  async push(records: readonly _Record[], continuation: string | undefined, consume: (session: SessionRecords) => Promise<"done" | "interrupted">): Promise<void> {
    const through = continuation ?? records.at(-1)?.SequenceNumber ?? this.readThrough;
    this.readThrough = through;
    const sessions = groupBySession(
      records.map((record) => ({ data: record.Data ?? new Uint8Array(), partitionKey: record.PartitionKey ?? "", position: { shardId: this.shardId, sequenceNumber: record.SequenceNumber! } })),
      this.options.decode,
      this.options.log,
    );
    const entry: InFlight = { through, remaining: sessions.length, interrupted: false };
    this.inFlight.push(entry);
    for (const session of sessions) {
      const tail = (this.sessionTails.get(session.sessionId) ?? Promise.resolve()).then(async () => {
        if ((await consume(session)) === "interrupted") entry.interrupted = true;
        entry.remaining--;
        this.advance();
      });
      this.sessionTails.set(session.sessionId, tail);
      void tail.finally(() => {
        if (this.sessionTails.get(session.sessionId) === tail) this.sessionTails.delete(session.sessionId);
      });
    }
    this.advance();
    while (this.inFlight.length > this.options.maxEventsInFlight) await new Promise<void>((resolve) => this.settled.add(resolve));
  }

  /** Waits for every session batch in flight. */
  async drain(): Promise<void> {
    while (this.sessionTails.size > 0) await Promise.all(this.sessionTails.values());
  }

  private advance(): void {
    while (this.inFlight[0] && this.inFlight[0].remaining === 0 && !this.inFlight[0].interrupted) {
      this.processedThrough = this.inFlight.shift()!.through;
    }
    for (const resolve of this.settled) resolve();
    this.settled.clear();
  }
}

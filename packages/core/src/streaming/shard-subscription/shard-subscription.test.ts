import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamConsumerCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from "@aws-sdk/client-kinesis";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { expectDeclaredCalls, guardDeclaredCalls } from "@livetranslate/testing/iam";
import { type StandIn, startDynalite } from "@livetranslate/testing/standins";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { decodeIngestRecord, encodeIngestRecord } from "../../adapters/aws/kinesis.ts";
import { SqsFailedBatches } from "../../adapters/aws/sqs.ts";
import { memoryMeasurements } from "../../adapters/memory/index.ts";
import { DB_IAM_ACTIONS, ensureTable } from "../../domain/db/index.ts";
import { memoryLog } from "../../log.ts";
import type { PositionedRecord } from "../../ports/index.ts";
import { ShardSubscription, type ShardProgress, tableShardProgress } from "./index.ts";

const STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/audio";
const CONSUMER_ARN = `${STREAM_ARN}/consumer/app-consumer:1700000000`;
const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/failures";

const chunk = (sessionId: string, chunkIndex: number) => encodeIngestRecord({ kind: "chunk", sessionId, chunkIndex, capturedAt: 1, ingestedAt: 2, audioData: "AAAA" });
const record = (sequenceNumber: string, sessionId: string, chunkIndex: number) => ({
  SequenceNumber: sequenceNumber,
  PartitionKey: sessionId,
  Data: chunk(sessionId, chunkIndex),
  ApproximateArrivalTimestamp: new Date(1_700_000_000_000),
});
/** A `SubscribeToShardEvent` as the documented event stream carries it. */
const event = (continuation: string | undefined, records: ReturnType<typeof record>[], childShards?: SubscribeToShardEvent["ChildShards"]): SubscribeToShardEventStream => ({
  SubscribeToShardEvent: { Records: records, ContinuationSequenceNumber: continuation, MillisBehindLatest: 0, ...(childShards ? { ChildShards: childShards } : {}) },
});
const open = (shardId: string, parents: string[] = []): Shard => ({
  ShardId: shardId,
  ...(parents[0] ? { ParentShardId: parents[0] } : {}),
  ...(parents[1] ? { AdjacentParentShardId: parents[1] } : {}),
  HashKeyRange: { StartingHashKey: "0", EndingHashKey: "1" },
  SequenceNumberRange: { StartingSequenceNumber: "0" },
});
const closed = (shardId: string): Shard => ({ ...open(shardId), SequenceNumberRange: { StartingSequenceNumber: "0", EndingSequenceNumber: "999" } });

/**
 * The subscriptions Kinesis would give, per shard, in order: each a list of events, after which the subscription
 * ends (as one does after 5 minutes). Past the scripted ones, a subscription carries nothing until the reader stops.
 */
class ScriptedStream {
  readonly subscriptions = new Map<string, SubscribeToShardEventStream[][]>();
  readonly calls: { shardId: string; startingPosition: StartingPosition }[] = [];
  shards: Shard[] = [];

  script(shardId: string, ...subscriptions: SubscribeToShardEventStream[][]): void {
    this.subscriptions.set(shardId, [...(this.subscriptions.get(shardId) ?? []), ...subscriptions]);
  }

  eventStream(shardId: string, startingPosition: StartingPosition): AsyncIterable<SubscribeToShardEventStream> {
    this.calls.push({ shardId, startingPosition });
    const events = this.subscriptions.get(shardId)?.shift();
    return (async function* () {
      if (!events) return await new Promise<never>(() => {});
      yield* events;
    })();
  }
}

interface Consumed {
  sessionId: string;
  chunks: number[];
}

describe("the shard subscription", () => {
  let dynamo: StandIn;
  let dynamoClient: DynamoDBClient;
  let guarded: DynamoDBClient;
  const kinesis = mockClient(KinesisClient);
  const sqs = mockClient(SQSClient);
  // The reader and the failure queue send only what they declare.
  expectDeclaredCalls(kinesis, ShardSubscription.iamActions);
  expectDeclaredCalls(sqs, SqsFailedBatches.iamActions);
  let stream: ScriptedStream;
  let consumed: Consumed[];
  let failing: Map<string, number>;
  let progress: ShardProgress;
  let reader: ShardSubscription | undefined;
  let log: ReturnType<typeof memoryLog>;
  let table = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
    const client = () => new DynamoDBClient({ endpoint: dynamo.endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    dynamoClient = client();
    // The progress sends only what the table's entities declare.
    guarded = guardDeclaredCalls(client(), DB_IAM_ACTIONS);
  });
  afterAll(() => dynamo.close());

  beforeEach(async () => {
    stream = new ScriptedStream();
    consumed = [];
    failing = new Map();
    log = memoryLog();
    kinesis.reset();
    sqs.reset();
    kinesis.on(DescribeStreamConsumerCommand).resolves({
      ConsumerDescription: { ConsumerARN: CONSUMER_ARN, ConsumerName: "app-consumer", ConsumerStatus: "ACTIVE", ConsumerCreationTimestamp: new Date(), StreamARN: STREAM_ARN },
    });
    kinesis.on(ListShardsCommand).callsFake(() => ({ Shards: stream.shards }));
    kinesis.on(SubscribeToShardCommand).callsFake((input) => ({ EventStream: stream.eventStream(input.ShardId!, input.StartingPosition!) }));
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    const name = `progress-${++table}`;
    await ensureTable(dynamoClient, name);
    progress = tableShardProgress({ table: name, client: guarded }, CONSUMER_ARN);
  });
  afterEach(async () => {
    await reader?.stop();
    reader = undefined;
  });

  function startReader(options: { maxRetries?: number } = {}): ShardSubscription {
    reader = new ShardSubscription({
      client: new KinesisClient({ region: "us-east-1" }),
      consumerArn: CONSUMER_ARN,
      consumer: {
        async consumeSession(sessionId: string, records: readonly PositionedRecord[]) {
          const left = failing.get(sessionId) ?? 0;
          if (left > 0) {
            failing.set(sessionId, left - 1);
            throw new Error(`session ${sessionId} failed`);
          }
          consumed.push({ sessionId, chunks: records.map((r) => (r.kind === "chunk" ? r.chunkIndex : -1)) });
        },
      },
      decode: decodeIngestRecord,
      progress,
      failures: new SqsFailedBatches({ client: new SQSClient({ region: "us-east-1" }), queueUrl: QUEUE_URL }),
      log,
      measurements: memoryMeasurements(),
      startingPosition: "TRIM_HORIZON",
      retryDelayMs: 1,
      maxRetryDelayMs: 4,
      resubscribeDelayMs: 1,
      progressEveryMs: 0,
      ...options,
    });
    return reader;
  }
  const chunksOf = (sessionId: string) => consumed.filter((c) => c.sessionId === sessionId).flatMap((c) => c.chunks);

  it("hands each event's records to their sessions in order and resubscribes after the last continuation when a subscription ends", async () => {
    // Prepare
    stream.shards = [open("shardId-000000000000")];
    stream.script(
      "shardId-000000000000",
      [event("101", [record("100", "a", 0), record("101", "b", 0)]), event("103", [record("102", "a", 1), record("103", "a", 2)])],
      [event("105", [record("104", "b", 1), { ...record("105", "a", 3), Data: new TextEncoder().encode("not json") }])],
    );
    // Act
    await startReader().start();
    await vi.waitFor(() => expect(stream.calls).toHaveLength(3), { timeout: 10_000 });
    // Assess
    expect(chunksOf("a")).toEqual([0, 1, 2]);
    expect(chunksOf("b")).toEqual([0, 1]);
    expect(stream.calls.map((c) => c.startingPosition)).toEqual([
      { Type: "TRIM_HORIZON" },
      { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "103" },
      { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "105" },
    ]);
    // The record that cannot be decoded is passed over, named in the log.
    expect(log.entries.find((e) => e.event === "consumer.poison_record")).toMatchObject({ sequenceNumber: "105" });
    await reader!.stop();
    expect((await progress.load()).get("shardId-000000000000")).toEqual({ sequenceNumber: "105", finished: false });
  });

  it("subscribes again after an error member in the event stream, from where it got to", async () => {
    stream.shards = [open("shardId-000000000000")];
    stream.script("shardId-000000000000", [event("100", [record("100", "a", 0)]), { ResourceInUseException: { name: "ResourceInUseException", message: "another subscription is active" } as never }], [
      event("101", [record("101", "a", 1)]),
    ]);
    await startReader().start();
    await vi.waitFor(() => expect(chunksOf("a")).toEqual([0, 1]), { timeout: 10_000 });
    expect(stream.calls[1]!.startingPosition).toEqual({ Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "100" });
    expect(log.entries.find((e) => e.event === "shard_subscription.failed")).toMatchObject({ errorName: "ResourceInUseException" });
  });

  it("reads a closed shard's children from their start once the parent's last event names them, and marks the parent finished", async () => {
    // Prepare: shard 0 splits into 1 and 2; the children are listed from the start but must wait for their parent.
    stream.shards = [closed("shardId-000000000000"), open("shardId-000000000001", ["shardId-000000000000"]), open("shardId-000000000002", ["shardId-000000000000"])];
    const children = [
      { ShardId: "shardId-000000000001", ParentShards: ["shardId-000000000000"], HashKeyRange: { StartingHashKey: "0", EndingHashKey: "0" } },
      { ShardId: "shardId-000000000002", ParentShards: ["shardId-000000000000"], HashKeyRange: { StartingHashKey: "1", EndingHashKey: "1" } },
    ];
    stream.script("shardId-000000000000", [event("100", [record("100", "a", 0)]), event(undefined, [record("101", "a", 1)], children)]);
    stream.script("shardId-000000000001", [event("200", [record("200", "a", 2)])]);
    stream.script("shardId-000000000002", [event("300", [record("300", "b", 0)])]);
    // Act
    await startReader().start();
    await vi.waitFor(() => expect(chunksOf("a")).toEqual([0, 1, 2]), { timeout: 10_000 });
    await vi.waitFor(() => expect(chunksOf("b")).toEqual([0]), { timeout: 10_000 });
    // Assess
    expect(stream.calls.slice(0, 3).map((c) => [c.shardId, c.startingPosition.Type])).toEqual([
      ["shardId-000000000000", "TRIM_HORIZON"],
      ["shardId-000000000001", "TRIM_HORIZON"],
      ["shardId-000000000002", "TRIM_HORIZON"],
    ]);
    expect((await progress.load()).get("shardId-000000000000")).toEqual({ sequenceNumber: "101", finished: true });
  });

  it("resumes after the saved progress on restart, and starts the children of a shard an earlier run finished", async () => {
    // Prepare: an earlier run finished shard 0 and got to 200 in shard 1.
    await progress.save("shardId-000000000000", { sequenceNumber: "101", finished: true });
    await progress.save("shardId-000000000001", { sequenceNumber: "200", finished: false });
    stream.shards = [closed("shardId-000000000000"), open("shardId-000000000001", ["shardId-000000000000"]), open("shardId-000000000002", ["shardId-000000000000"])];
    stream.script("shardId-000000000001", [event("201", [record("201", "a", 3)])]);
    // Act
    await startReader().start();
    await vi.waitFor(() => expect(chunksOf("a")).toEqual([3]), { timeout: 10_000 });
    // Assess
    const byShard = Object.fromEntries(stream.calls.filter((c, i, all) => all.findIndex((d) => d.shardId === c.shardId) === i).map((c) => [c.shardId, c.startingPosition]));
    expect(byShard).toEqual({
      "shardId-000000000001": { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "200" },
      // Never read before, after a parent that was: from its start.
      "shardId-000000000002": { Type: "TRIM_HORIZON" },
    });
  });

  it("retries a failing session in place while other sessions carry on, then sends its batch to the failure queue and moves on", async () => {
    // Prepare: session "x" fails every attempt; "y" has records before and after it.
    failing.set("x", Number.POSITIVE_INFINITY);
    stream.shards = [open("shardId-000000000000")];
    stream.script("shardId-000000000000", [event("101", [record("100", "x", 0), record("101", "y", 0)]), event("103", [record("102", "y", 1), record("103", "x", 1)])]);
    // Act
    await startReader({ maxRetries: 2 }).start();
    await vi.waitFor(() => expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(2), { timeout: 10_000 });
    // Assess
    expect(chunksOf("y")).toEqual([0, 1]);
    const body = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.QueueUrl).toBe(QUEUE_URL);
    expect(body).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      KinesisBatchInfo: { shardId: "shardId-000000000000", startSequenceNumber: "100", endSequenceNumber: "100", batchSize: 1, streamArn: STREAM_ARN },
      session: { sessionId: "x", error: "session x failed" },
    });
    await reader!.stop();
    expect((await progress.load()).get("shardId-000000000000")?.sequenceNumber).toBe("103");
  });

  it("keeps a session's records in order behind its retried batch, and progress before the batch until it is done", async () => {
    failing.set("x", 2);
    stream.shards = [open("shardId-000000000000")];
    stream.script("shardId-000000000000", [event("100", [record("100", "x", 0)]), event("101", [record("101", "x", 1)])]);
    await startReader({ maxRetries: 3 }).start();
    await vi.waitFor(() => expect(chunksOf("x")).toEqual([0, 1]), { timeout: 10_000 });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("on stop, leaves a batch waiting for its retry to the next run: progress stays before it", async () => {
    failing.set("x", Number.POSITIVE_INFINITY);
    stream.shards = [open("shardId-000000000000")];
    stream.script("shardId-000000000000", [event("100", [record("100", "y", 0)]), event("101", [record("101", "x", 0)])]);
    await startReader({ maxRetries: 1_000_000 }).start();
    await vi.waitFor(() => expect(log.entries.filter((e) => e.event === "consumer.session_failed").length).toBeGreaterThan(1), { timeout: 10_000 });
    await reader!.stop();
    expect((await progress.load()).get("shardId-000000000000")?.sequenceNumber).toBe("100");
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    // The next run starts after it, so the failed record comes again.
    failing.clear();
    stream.subscriptions.clear();
    stream.script("shardId-000000000000", [event("101", [record("101", "x", 0)])]);
    const before = stream.calls.length;
    await startReader().start();
    await vi.waitFor(() => expect(chunksOf("x")).toEqual([0]), { timeout: 10_000 });
    expect(stream.calls[before]!.startingPosition).toEqual({ Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: "100" });
  });

  it("refuses to start on a consumer that is not ACTIVE, naming it", async () => {
    kinesis.on(DescribeStreamConsumerCommand).resolves({ ConsumerDescription: { ConsumerARN: CONSUMER_ARN, ConsumerName: "c", ConsumerStatus: "CREATING", ConsumerCreationTimestamp: new Date(), StreamARN: STREAM_ARN } });
    await expect(startReader().start()).rejects.toThrow(`stream consumer ${CONSUMER_ARN} is CREATING, not ACTIVE`);
  });
});

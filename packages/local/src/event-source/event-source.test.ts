import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "@livetranslate/core/adapters/aws/clients";
import { memoryLog } from "@livetranslate/core/log";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { ensureStream, splitShard, type StandIn, startKinesalite } from "@livetranslate/testing/standins";
import { type EventSourceOptions, KinesisEventSource, type KinesisHandler } from "./index.ts";
import { filePositions } from "./positions.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const values = (event: KinesisStreamEvent) => event.Records.map((r) => Buffer.from(r.kinesis.data, "base64").toString());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, baseTimeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + scaledTimeout(baseTimeoutMs);
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the event source");
    await sleep(10);
  }
}

describe("KinesisEventSource over kinesalite", () => {
  let kinesis: StandIn;
  let client: KinesisClient;
  let source: KinesisEventSource | undefined;
  let streams = 0;
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = createKinesisClient(kinesis);
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });
  afterAll(() => kinesis.close());

  async function newStream(shards = 1): Promise<string> {
    const name = `stream-${++streams}`;
    await ensureStream(client, name, shards);
    return name;
  }

  async function put(streamName: string, items: readonly string[], partitionKey = "calm-river-101") {
    for (const item of items) await client.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: partitionKey, Data: Buffer.from(item) }));
  }

  const numbers = (count: number) => Array.from({ length: count }, (_, i) => String(i));

  /** Starts an event source on a new stream, then puts `items` (after start: the default position is LATEST). */
  async function run(handler: KinesisHandler, items: readonly string[], options: Partial<EventSourceOptions> = {}) {
    const streamName = await newStream();
    const log = memoryLog();
    source = new KinesisEventSource({ client, streamName, handler, log, retryDelayMs: 10, ...options });
    await source.start();
    await put(streamName, items);
    return { log, streamName };
  }

  it("resumes after the last finished record when started again with saved positions (a restart)", async () => {
    // Prepare: a first run handles five records, fails the sixth for good, and stops.
    const folder = mkdtempSync(path.join(tmpdir(), "positions-"));
    try {
      const file = path.join(folder, "positions.json");
      const first: string[] = [];
      const { streamName, log } = await run(
        async (event) => {
          const failed = event.Records.find((r) => Buffer.from(r.kinesis.data, "base64").toString() === "5");
          for (const value of values(event)) if (value !== "5") first.push(value);
          if (failed) return { batchItemFailures: [{ itemIdentifier: failed.kinesis.sequenceNumber }] };
        },
        numbers(6),
        { positions: filePositions(file), maxRetries: 0, batchSize: 1 },
      );
      await until(() => log.entries.some((e) => e.event === "event_source.record_discarded"));
      await source!.stop();
      // Act: records put while nothing runs, then a new event source (LATEST for a new mapping) with the same file.
      await put(streamName, ["6", "7"]);
      const second: string[] = [];
      source = new KinesisEventSource({ client, streamName, handler: async (event) => void second.push(...values(event)), positions: filePositions(file) });
      await source.start();
      await until(() => second.length >= 2);
      // Assess: exactly what came after the discarded record, nothing read twice, nothing skipped.
      expect(first).toEqual(["0", "1", "2", "3", "4"]);
      expect(second).toEqual(["6", "7"]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("reads the child shards once their parent is read to its end: a split, then a merge, keep each key in order", async () => {
    // Prepare: records before a split, between the split and a merge of its children, and after the merge.
    const seen: { value: string; shardId: string }[] = [];
    const keys = ["calm-river-101", "quick-fox-202", "bright-lake-303", "warm-hill-404"];
    const { streamName, log } = await run(async (event) => {
      for (const r of event.Records) seen.push({ value: `${r.kinesis.partitionKey}:${Buffer.from(r.kinesis.data, "base64").toString()}`, shardId: r.eventID.split(":")[0]! });
    }, []);
    const putAll = async (from: number, to: number) => {
      for (let i = from; i < to; i++) for (const key of keys) await put(streamName, [String(i)], key);
    };
    // Act
    await putAll(0, 5);
    await splitShard(client, streamName, "shardId-000000000000");
    await putAll(5, 10);
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
    const [left, right] = StreamDescription!.Shards!.filter((s) => s.ParentShardId === "shardId-000000000000").map((s) => s.ShardId!);
    await client.send(new MergeShardsCommand({ StreamName: streamName, ShardToMerge: left!, AdjacentShardToMerge: right! }));
    await ensureStream(client, streamName);
    await putAll(10, 15);
    await until(() => seen.length >= keys.length * 15);
    // Assess: every record once, each key's records in the order put, across the parent, its children and theirs.
    for (const key of keys) {
      expect(seen.filter((s) => s.value.startsWith(`${key}:`)).map((s) => s.value)).toEqual(numbers(15).map((i) => `${key}:${i}`));
    }
    expect(seen.length).toBe(keys.length * 15);
    expect(new Set(seen.map((s) => s.shardId)).size).toBe(4);
    expect(log.entries.filter((e) => e.event === "event_source.shard_finished").map((e) => e.shardId)).toEqual(
      expect.arrayContaining(["shardId-000000000000", left, right]),
    );
  });

  it("delivers AWS-shaped batches of at most batchSize, in order, each record once", async () => {
    // Prepare
    const events: KinesisStreamEvent[] = [];
    const before = Date.now() / 1000;
    // Act
    const { streamName } = await run(async (event) => void events.push(event), numbers(20), { batchSize: 7 });
    await until(() => events.flatMap(values).length >= 20);
    // Assess
    expect(events.flatMap(values)).toEqual(numbers(20));
    expect(events.every((event) => event.Records.length <= 7)).toBe(true);
    const record = events[0]!.Records[0]!;
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "calm-river-101",
        sequenceNumber: expect.stringMatching(/^\d+$/),
        data: Buffer.from("0").toString("base64"),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `shardId-000000000000:${record.kinesis.sequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
      awsRegion: "us-east-1",
      eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`,
    });
    // Seconds, as in a Lambda event, not milliseconds.
    expect(record.kinesis.approximateArrivalTimestamp).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(record.kinesis.approximateArrivalTimestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
  });

  it("keeps each shard in order with one invocation at a time per shard, shards side by side", async () => {
    // Prepare
    const streamName = await newStream(2);
    const received = new Map<string, string[]>();
    const inFlight = new Map<string, number>();
    let overlapped = false;
    const handler: KinesisHandler = async (event) => {
      const shardId = event.Records[0]!.eventID.split(":")[0]!;
      inFlight.set(shardId, (inFlight.get(shardId) ?? 0) + 1);
      if (inFlight.get(shardId)! > 1) overlapped = true;
      await sleep(5);
      for (const record of event.Records) {
        const list = received.get(record.kinesis.partitionKey) ?? [];
        list.push(Buffer.from(record.kinesis.data, "base64").toString());
        received.set(record.kinesis.partitionKey, list);
      }
      inFlight.set(shardId, inFlight.get(shardId)! - 1);
    };
    source = new KinesisEventSource({ client, streamName, handler, log: memoryLog(), batchSize: 3 });
    await source.start();
    const sessions = ["a-session", "b-session", "c-session", "d-session", "e-session", "f-session"];
    // Act
    for (let i = 0; i < 10; i++) {
      await Promise.all(sessions.map((session) => put(streamName, [String(i)], session)));
    }
    await until(() => sessions.every((session) => received.get(session)?.length === 10));
    // Assess
    for (const session of sessions) expect(received.get(session)).toEqual(numbers(10));
    expect(overlapped).toBe(false);
  });

  it("starts at LATEST by default, and at TRIM_HORIZON when asked", async () => {
    // Prepare
    const streamName = await newStream();
    await put(streamName, ["old"]);
    const latest: string[] = [];
    const horizon: string[] = [];
    const fromLatest = new KinesisEventSource({ client, streamName, handler: async (e) => void latest.push(...values(e)), log: memoryLog() });
    const fromHorizon = new KinesisEventSource({
      client,
      streamName,
      handler: async (e) => void horizon.push(...values(e)),
      log: memoryLog(),
      startingPosition: "TRIM_HORIZON",
    });
    // Act
    await Promise.all([fromLatest.start(), fromHorizon.start()]);
    await put(streamName, ["new"]);
    await until(() => latest.length >= 1 && horizon.length >= 2);
    await Promise.all([fromLatest.stop(), fromHorizon.stop()]);
    // Assess
    expect(latest).toEqual(["new"]);
    expect(horizon).toEqual(["old", "new"]);
  });

  it("redelivers from the failed record after a partial batch failure, not before it", async () => {
    // Prepare
    const batches: string[][] = [];
    let failed = false;
    const handler: KinesisHandler = async (event) => {
      batches.push(values(event));
      const at = values(event).indexOf("3");
      if (at >= 0 && !failed) {
        failed = true;
        return { batchItemFailures: [{ itemIdentifier: event.Records[at]!.kinesis.sequenceNumber }] };
      }
      return { batchItemFailures: [] };
    };
    // Act: records go in before the source starts reading, so the first batch holds all six.
    const streamName = await newStream();
    await put(streamName, numbers(6));
    source = new KinesisEventSource({ client, streamName, handler, log: memoryLog(), retryDelayMs: 10, startingPosition: "TRIM_HORIZON" });
    await source.start();
    await until(() => batches.flat().includes("5") && failed && batches.length >= 2);
    await sleep(100);
    // Assess
    expect(batches).toEqual([numbers(6), ["3", "4", "5"]]);
  });

  it("redelivers from the lowest sequence number when several records failed", async () => {
    // Prepare
    const batches: string[][] = [];
    const handler: KinesisHandler = async (event) => {
      batches.push(values(event));
      if (batches.length > 1) return;
      // Listed out of order on purpose: the lowest sequence number wins.
      return { batchItemFailures: [4, 2].map((i) => ({ itemIdentifier: event.Records[i]!.kinesis.sequenceNumber })) };
    };
    const streamName = await newStream();
    await put(streamName, numbers(5));
    source = new KinesisEventSource({ client, streamName, handler, log: memoryLog(), retryDelayMs: 10, startingPosition: "TRIM_HORIZON" });
    // Act
    await source.start();
    await until(() => batches.length >= 2);
    // Assess
    expect(batches).toEqual([numbers(5), ["2", "3", "4"]]);
  });

  it("retries the whole batch when the handler throws", async () => {
    // Prepare
    const batches: string[][] = [];
    let thrown = false;
    const handler: KinesisHandler = async (event) => {
      batches.push(values(event));
      if (!thrown) {
        thrown = true;
        throw new Error("cold start failed");
      }
    };
    const streamName = await newStream();
    await put(streamName, numbers(3));
    const log = memoryLog();
    source = new KinesisEventSource({ client, streamName, handler, log, retryDelayMs: 10, startingPosition: "TRIM_HORIZON" });
    // Act
    await source.start();
    await until(() => batches.length >= 2);
    // Assess
    expect(batches).toEqual([numbers(3), numbers(3)]);
    expect(log.entries.find((e) => e.event === "event_source.handler_failed")?.error).toMatch(/cold start failed/);
  });

  it("skips a record after maxRetries retries, logs it as the on-failure destination would, and goes on", async () => {
    // Prepare
    const delivered: string[] = [];
    let attemptsOfPoison = 0;
    let poisonSequenceNumber = "";
    const handler: KinesisHandler = async (event) => {
      for (const record of event.Records) {
        const value = Buffer.from(record.kinesis.data, "base64").toString();
        if (value === "poison") {
          attemptsOfPoison++;
          poisonSequenceNumber = record.kinesis.sequenceNumber;
          return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
        }
        delivered.push(value);
      }
    };
    // Act
    const { log } = await run(handler, ["0", "poison", "2", "3"], { maxRetries: 2 });
    await until(() => delivered.includes("3"));
    // Assess
    expect(delivered).toEqual(["0", "2", "3"]);
    // The first attempt and two retries, then it is given up.
    expect(attemptsOfPoison).toBe(3);
    const discarded = log.entries.filter((e) => e.event === "event_source.record_discarded");
    expect(discarded).toHaveLength(1);
    expect(discarded[0]).toMatchObject({
      level: "error",
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 3,
      shardId: "shardId-000000000000",
      sequenceNumber: poisonSequenceNumber,
      partitionKey: "calm-river-101",
    });
  });

  it("counts retries per record: failures of different records do not add up", async () => {
    // Prepare: each of three records fails once, then succeeds; with one retry allowed none may be skipped.
    const failedOnce = new Set<string>();
    const delivered: string[] = [];
    const handler: KinesisHandler = async (event) => {
      for (const record of event.Records) {
        const value = Buffer.from(record.kinesis.data, "base64").toString();
        if (!failedOnce.has(value) && ["1", "2", "3"].includes(value)) {
          failedOnce.add(value);
          return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
        }
        delivered.push(value);
      }
    };
    const streamName = await newStream();
    await put(streamName, numbers(5));
    const log = memoryLog();
    source = new KinesisEventSource({ client, streamName, handler, log, maxRetries: 1, retryDelayMs: 10, startingPosition: "TRIM_HORIZON" });
    // Act
    await source.start();
    await until(() => delivered.includes("4"));
    // Assess
    expect(delivered).toEqual(numbers(5));
    expect(log.entries.filter((e) => e.event === "event_source.record_discarded")).toEqual([]);
  });

  it("stop() waits for the invocation in flight, and nothing is invoked after it", async () => {
    // Prepare
    let invocations = 0;
    let finished = false;
    const handler: KinesisHandler = async () => {
      invocations++;
      await sleep(300);
      finished = true;
    };
    await run(handler, ["0"]);
    await until(() => invocations === 1);
    const streamName = `stream-${streams}`;
    // Act
    await source!.stop();
    const finishedWhenStopped = finished;
    await put(streamName, ["1"]);
    await sleep(300);
    // Assess
    expect(finishedWhenStopped).toBe(true);
    expect(invocations).toBe(1);
  });

  it("stop() returns at once while every shard waits to poll again", async () => {
    // Prepare
    const streamName = await newStream(3);
    source = new KinesisEventSource({ client, streamName, handler: async () => undefined, log: memoryLog(), pollIntervalMs: 5_000 });
    await source.start();
    await sleep(200);
    const started = Date.now();
    // Act
    await source.stop();
    // Assess: it did not wait for the 5 s poll interval (a bound in the behaviour's terms, not the machine's)
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("KinesisEventSource with a scripted client", () => {
  const streamArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/audio";
  const record = (n: number) => ({
    SequenceNumber: `4960000000000000000000000000000000000000000000000000000${n}`,
    PartitionKey: "s",
    Data: Buffer.from(String(n)),
    ApproximateArrivalTimestamp: new Date(1_700_000_000_000 + n),
  });

  /** Answers as Kinesis would: one shard, iterators handed out in turn, each page looked up by its iterator. */
  function scriptedClient(iterators: string[], pages: Record<string, () => unknown>) {
    const iteratorRequests: unknown[] = [];
    const client = {
      send: async (command: DescribeStreamSummaryCommand | ListShardsCommand | GetShardIteratorCommand | GetRecordsCommand) => {
        if (command instanceof DescribeStreamSummaryCommand) return { StreamDescriptionSummary: { StreamARN: streamArn } };
        if (command instanceof ListShardsCommand) return { Shards: [{ ShardId: "shardId-000000000000" }] };
        if (command instanceof GetShardIteratorCommand) {
          iteratorRequests.push(command.input);
          return { ShardIterator: iterators[Math.min(iteratorRequests.length, iterators.length) - 1] };
        }
        return pages[command.input.ShardIterator!]!();
      },
    } as unknown as KinesisClient;
    return { client, iteratorRequests };
  }

  it("resumes right after the last record read when the shard iterator expires", async () => {
    // Prepare
    const { client, iteratorRequests } = scriptedClient(["first", "renewed"], {
      first: () => ({ Records: [record(1)], NextShardIterator: "second" }),
      second: () => {
        throw Object.assign(new Error("Iterator expired"), { name: "ExpiredIteratorException" });
      },
      renewed: () => ({ Records: [record(2)], NextShardIterator: "third" }),
      third: () => ({ Records: [], NextShardIterator: "third" }),
    });
    const events: KinesisStreamEvent[] = [];
    const source = new KinesisEventSource({ client, streamName: "audio", handler: async (e) => void events.push(e), log: memoryLog(), pollIntervalMs: 10 });
    // Act
    await source.start();
    await until(() => events.length >= 2);
    await source.stop();
    // Assess
    expect(events.flatMap(values)).toEqual(["1", "2"]);
    expect(iteratorRequests[1]).toEqual({
      StreamName: "audio",
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
      StartingSequenceNumber: record(1).SequenceNumber,
    });
    expect(events[0]!.Records[0]).toMatchObject({
      awsRegion: "eu-west-1",
      eventSourceARN: streamArn,
      invokeIdentityArn: "arn:aws:iam::123456789012:role/local-consumer",
      kinesis: { approximateArrivalTimestamp: 1_700_000_000.001 },
    });
  });

  it("reads again at once after an empty page that is behind the tip of the shard", async () => {
    // Prepare
    const { client } = scriptedClient(["first"], {
      first: () => ({ Records: [], NextShardIterator: "second", MillisBehindLatest: 86_400_000 }),
      second: () => ({ Records: [record(1)], NextShardIterator: "third", MillisBehindLatest: 0 }),
      third: () => ({ Records: [], NextShardIterator: "third", MillisBehindLatest: 0 }),
    });
    const events: KinesisStreamEvent[] = [];
    const source = new KinesisEventSource({ client, streamName: "audio", handler: async (e) => void events.push(e), log: memoryLog(), pollIntervalMs: 5_000 });
    const started = Date.now();
    // Act
    await source.start();
    await until(() => events.length >= 1, 4_000);
    await source.stop();
    // Assess
    expect(events.flatMap(values)).toEqual(["1"]);
    // It did not wait for the 5 s poll interval before reading again.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

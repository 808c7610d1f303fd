import { EventEmitter } from "node:events";
import { DescribeStreamConsumerCommand, KinesisClient, ListShardsCommand, SubscribeToShardCommand } from "@aws-sdk/client-kinesis";
import { encodeIngestRecord } from "@livetranslate/core/adapters/aws/kinesis";
import type { FailedBatch } from "@livetranslate/core/ports";
import { tableShardProgress } from "@livetranslate/core/streaming/shard-subscription";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../handlers/consumer-service.ts";
import { fakeAdapters } from "../testing/harness.ts";

const STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/audio";
const CONSUMER_ARN = `${STREAM_ARN}/consumer/app-consumer:1700000000`;
const chunk = (sessionId: string, chunkIndex: number) => encodeIngestRecord({ kind: "chunk", sessionId, chunkIndex, capturedAt: 1, ingestedAt: 2, audioData: "AAAA" });

describe("the consumer service's entry", () => {
  let fakes: Awaited<ReturnType<typeof fakeAdapters>>;
  const kinesis = mockClient(KinesisClient);
  beforeAll(async () => {
    fakes = await fakeAdapters();
  });
  afterAll(() => fakes.close());

  it("reads the stream until SIGTERM, then writes each shard's progress and closes the consumer", async () => {
    // Prepare: one shard, one event, then a subscription that stays open until the task is stopped.
    kinesis.on(DescribeStreamConsumerCommand).resolves({
      ConsumerDescription: { ConsumerARN: CONSUMER_ARN, ConsumerName: "c", ConsumerStatus: "ACTIVE", ConsumerCreationTimestamp: new Date(), StreamARN: STREAM_ARN },
    });
    kinesis.on(ListShardsCommand).resolves({ Shards: [{ ShardId: "shardId-000000000000", HashKeyRange: { StartingHashKey: "0", EndingHashKey: "1" }, SequenceNumberRange: { StartingSequenceNumber: "0" } }] });
    kinesis.on(SubscribeToShardCommand).resolves({
      EventStream: (async function* () {
        yield { SubscribeToShardEvent: { Records: [{ SequenceNumber: "100", PartitionKey: "s1", Data: chunk("s1", 0) }], ContinuationSequenceNumber: "100", MillisBehindLatest: 0 } };
        await new Promise<never>(() => {});
      })(),
    });
    const progress = tableShardProgress(fakes.adapters.db.config, CONSUMER_ARN);
    const failed: FailedBatch[] = [];
    const closed = vi.fn();
    const adapters = {
      ...fakes.adapters,
      consumer: { ...fakes.adapters.consumer, close: closed },
      fanOut: { client: new KinesisClient({ region: "us-east-1" }), consumerArn: CONSUMER_ARN },
      shardProgress: progress,
      failedBatches: { record: async (batch: FailedBatch) => void failed.push(batch) },
    };
    const signals = new EventEmitter();
    // Act
    const running = main(adapters, signals as never);
    await vi.waitFor(() => expect(fakes.consumed.map((c) => c.sessionId)).toEqual(["s1"]), { timeout: 10_000 });
    signals.emit("SIGTERM");
    await running;
    // Assess
    expect((await progress.load()).get("shardId-000000000000")).toEqual({ sequenceNumber: "100", finished: false });
    expect(closed).toHaveBeenCalledOnce();
    expect(failed).toEqual([]);
  });

  it("refuses to start without the fan-out consumer, naming what is missing", async () => {
    await expect(main(fakes.adapters, new EventEmitter() as never)).rejects.toThrow("the consumer service needs fanOut, shardProgress, failedBatches");
  });
});

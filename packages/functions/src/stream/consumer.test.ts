import { encodeIngestRecord } from "@livetranslate/core/adapters/aws/kinesis";
import { MAX_DELIVERY_ATTEMPTS } from "@livetranslate/core/streaming/delivery";
import { STREAM_EVENT_SOURCE } from "../deployment.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kinesisEvent, startHarness } from "../testing/harness.ts";

const chunk = (sessionId: string, chunkIndex: number) =>
  encodeIngestRecord({ kind: "chunk", sessionId, chunkIndex, capturedAt: 1, ingestedAt: 2, audioData: "AAAA" });

describe("Kinesis consumer handler", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it("hands each session its records in order, skipping a poison record", async () => {
    // Prepare
    const event = kinesisEvent([
      { partitionKey: "a", data: chunk("a", 0) },
      { partitionKey: "b", data: chunk("b", 0) },
      { partitionKey: "a", data: "bm90IGpzb24=" },
      { partitionKey: "a", data: chunk("a", 1) },
    ]);
    // Act
    const response = await h.handlers.Consumer(event);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const a = h.consumed.find((c) => c.sessionId === "a")!;
    expect(a.records.map((r) => (r.kind === "chunk" ? r.chunkIndex : -1))).toEqual([0, 1]);
    expect(h.consumed.find((c) => c.sessionId === "b")!.records).toHaveLength(1);
    // Each record says where it sits in the stream, from the event's eventID and sequence number.
    expect((a.records[1] as { position?: unknown }).position).toEqual({ shardId: "shardId-000000000000", sequenceNumber: event.Records[3]!.kinesis.sequenceNumber });
    expect(h.log.entries.some((e) => e.event === "consumer.poison_record")).toBe(true);
  });

  it("reports the first record of a failed session so the batch resumes from there", async () => {
    h.failingSessions.add("c");
    const event = kinesisEvent([
      { partitionKey: "d", data: chunk("d", 0) },
      { partitionKey: "c", data: chunk("c", 0) },
      { partitionKey: "c", data: chunk("c", 1) },
    ]);
    const failuresBefore = h.counters.get("SessionBatchFailures");
    const response = await h.handlers.Consumer(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]!.kinesis.sequenceNumber }]);
    expect(h.counters.get("SessionBatchFailures") - failuresBefore).toBe(1);
  });

  it("publishes the batch's measurements after every batch, a failed one too", async () => {
    // Prepare
    h.failingSessions.add("e");
    const before = h.flushes();
    // Act
    await h.handlers.Consumer(kinesisEvent([{ partitionKey: "f", data: chunk("f", 0) }]));
    await h.handlers.Consumer(kinesisEvent([{ partitionKey: "e", data: chunk("e", 0) }]));
    // Assess
    expect(h.flushes() - before).toBe(2);
  });

  it("gives a delivery as many attempts as the event source gives a batch, so the last one gives up rather than discards", () => {
    expect(STREAM_EVENT_SOURCE.maximumRetryAttempts + 1).toBe(MAX_DELIVERY_ATTEMPTS);
  });
});

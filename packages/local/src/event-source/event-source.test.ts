import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "@livetranslate/core/aws/clients";
import { memoryLog } from "@livetranslate/core/log";
import { ensureStream, type StandIn, startKinesalite } from "@livetranslate/core/standins";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { KinesisEventSource, type KinesisHandler } from "./index.ts";

describe("KinesisEventSource over kinesalite", () => {
  let kinesis: StandIn;
  const client = () => createKinesisClient(kinesis);
  let source: KinesisEventSource | undefined;
  let stream = 0;
  beforeAll(async () => {
    kinesis = await startKinesalite();
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });
  afterAll(() => kinesis.close());

  const data = (event: KinesisStreamEvent) => event.Records.map((r) => Buffer.from(r.kinesis.data, "base64").toString());

  async function run(handler: KinesisHandler, count: number, options: { batchSize?: number; maxRetries?: number } = {}) {
    const name = `s${++stream}`;
    await ensureStream(client(), name);
    const log = memoryLog();
    source = new KinesisEventSource({ client: client(), streamName: name, handler, log, retryDelayMs: 10, ...options });
    await source.start();
    for (let i = 0; i < count; i++) {
      await client().send(new PutRecordCommand({ StreamName: name, PartitionKey: "session", Data: Buffer.from(String(i)) }));
    }
    return log;
  }

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("delivers AWS-shaped batches in order, each record once", async () => {
    const seen: string[] = [];
    let shape: KinesisStreamEvent | undefined;
    await run(async (event) => {
      shape ??= event;
      seen.push(...data(event));
    }, 20, { batchSize: 7 });
    await until(() => seen.length === 20);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    const record = shape!.Records[0]!;
    expect(record).toMatchObject({ eventSource: "aws:kinesis", eventName: "aws:kinesis:record", kinesis: { partitionKey: "session", kinesisSchemaVersion: "1.0" } });
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(shape!.Records.length).toBeLessThanOrEqual(7);
  });

  it("redelivers from the first failed record, keeping those before it done", async () => {
    const seen: string[] = [];
    let failedOnce = false;
    await run(async (event) => {
      const values = data(event);
      const at = values.indexOf("3");
      if (at >= 0 && !failedOnce) {
        failedOnce = true;
        seen.push(...values.slice(0, at));
        return { batchItemFailures: [{ itemIdentifier: event.Records[at]!.kinesis.sequenceNumber }] };
      }
      seen.push(...values);
    }, 6);
    await until(() => seen.length >= 6);
    expect(seen).toEqual(["0", "1", "2", "3", "4", "5"]);
  });

  it("retries a failing record, then skips the record it cannot get past and logs it", async () => {
    const seen: string[] = [];
    let attempts = 0;
    const log = await run(async (event) => {
      const values = data(event);
      if (values.includes("1")) attempts++;
      if (values[0] === "1") {
        return { batchItemFailures: [{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }] };
      }
      if (values.includes("1")) {
        seen.push(values[0]!);
        return { batchItemFailures: [{ itemIdentifier: event.Records[values.indexOf("1")]!.kinesis.sequenceNumber }] };
      }
      seen.push(...values);
    }, 3, { maxRetries: 2 });
    await until(() => seen.includes("2"));
    expect(seen).toEqual(["0", "2"]);
    // The first attempt and two retries, then it is given up.
    expect(attempts).toBe(3);
    expect(log.entries.some((e) => e.event === "event_source.record_discarded")).toBe(true);
  });

  it("retries the whole batch when the handler throws", async () => {
    const seen: string[] = [];
    let thrown = false;
    await run(async (event) => {
      if (!thrown) {
        thrown = true;
        throw new Error("cold start failed");
      }
      seen.push(...data(event));
    }, 3);
    await until(() => seen.length >= 3);
    expect(seen).toEqual(["0", "1", "2"]);
  });

  it("stops cleanly", async () => {
    await run(async () => undefined, 1);
    await source!.stop();
    source = undefined;
  });
});

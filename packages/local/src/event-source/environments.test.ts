import { PutRecordCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "@livetranslate/core/adapters/aws/clients";
import { memoryLog } from "@livetranslate/core/log";
import { memoryMeasurements } from "@livetranslate/core/adapters/memory";
import { ensureStream, type StandIn, startKinesalite } from "@livetranslate/testing/standins";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentKilledError, type ExecutionEnvironment, ExecutionEnvironments, type Routing } from "./environments.ts";
import { KinesisEventSource } from "./index.ts";

const event = (n: number): KinesisStreamEvent => ({ Records: [{ eventID: `shardId-000000000000:${n}` }] }) as unknown as KinesisStreamEvent;

describe("ExecutionEnvironments", () => {
  /** Environments that remember what they ran (their memory) and when they were built. */
  function pool(routing: Routing, seed?: number) {
    const built: number[] = [];
    const ran: { slot: number; memory: number }[] = [];
    const environments = new ExecutionEnvironments({
      count: 4,
      routing,
      seed,
      create(slot) {
        built.push(slot);
        let memory = 0;
        return { handler: async () => void ran.push({ slot, memory: ++memory }), kill() {} };
      },
    });
    const run = async (batches: number) => {
      for (let i = 0; i < batches; i++) await environments.invoke(environments.route("shardId-000000000000"), event(i));
    };
    return { environments, built, ran, run };
  }

  it("keeps a shard on one warm environment with sticky routing", async () => {
    const p = pool("sticky");
    await p.run(20);
    expect(new Set(p.ran.map((r) => r.slot)).size).toBe(1);
    expect(p.ran.at(-1)!.memory).toBe(20);
  });

  it("spreads batches over every environment with random routing, the same way for the same seed", async () => {
    const a = pool("random", 42);
    const b = pool("random", 42);
    const c = pool("random", 7);
    await Promise.all([a.run(40), b.run(40), c.run(40)]);
    expect(new Set(a.ran.map((r) => r.slot))).toEqual(new Set([0, 1, 2, 3]));
    expect(a.ran.map((r) => r.slot)).toEqual(b.ran.map((r) => r.slot));
    expect(a.ran.map((r) => r.slot)).not.toEqual(c.ran.map((r) => r.slot));
  });

  it("replaces every environment on a deploy: the batch in flight finishes in the old one, the next runs in a new one", async () => {
    // Prepare: one environment, its batch held in flight.
    const log = memoryLog();
    const measurements = memoryMeasurements();
    const closed: number[] = [];
    const ran: { generation: number; memory: number }[] = [];
    let generations = 0;
    let release: () => void = () => {};
    const environments = new ExecutionEnvironments({
      count: 1,
      routing: "sticky",
      log,
      measurements,
      create() {
        const generation = ++generations;
        let memory = 0;
        return {
          handler: async (e) => {
            if (e.Records[0]!.eventID.endsWith(":1")) await new Promise<void>((r) => (release = r));
            ran.push({ generation, memory: ++memory });
          },
          kill() {},
          close: () => void closed.push(generation),
        };
      },
    });
    await environments.invoke(0, event(0));
    const inFlight = environments.invoke(0, event(1));
    // Act: a deploy while the batch runs.
    const deployed = environments.replaceAll("deployed");
    await Promise.resolve();
    expect(closed).toEqual([]);
    release();
    await inFlight;
    await deployed;
    await environments.invoke(0, event(2));
    // Assess: the old environment finished its batch, then was freed; the next batch ran in new code with empty memory.
    expect(ran).toEqual([
      { generation: 1, memory: 1 },
      { generation: 1, memory: 2 },
      { generation: 2, memory: 1 },
    ]);
    expect(closed).toEqual([1]);
    expect(log.entries.find((e) => e.event === "event_source.environment_replaced")).toMatchObject({ slot: 0, midBatch: true });
    expect(measurements.get("EnvironmentsReplaced")).toBe(1);
  });

  it("kills an environment mid-batch: the batch fails, its ports were told, and the slot restarts with empty memory", async () => {
    // Prepare
    const log = memoryLog();
    const measurements = memoryMeasurements();
    const kills: number[] = [];
    let release: () => void = () => {};
    let generation = 0;
    const environments = new ExecutionEnvironments({
      count: 1,
      routing: "sticky",
      log,
      measurements,
      create(slot): ExecutionEnvironment {
        const mine = ++generation;
        return {
          handler: () => new Promise<void>((resolve) => (release = resolve)).then(() => ({ batchItemFailures: [{ itemIdentifier: String(mine) }] })),
          kill: () => void kills.push(slot),
        };
      },
    });
    // Act
    const running = environments.invoke(0, event(1));
    environments.kill(0, "killed by the test");
    // Assess
    await expect(running).rejects.toBeInstanceOf(EnvironmentKilledError);
    expect(kills).toEqual([0]);
    const next = environments.invoke(0, event(2));
    release();
    expect(await next).toEqual({ batchItemFailures: [{ itemIdentifier: "2" }] });
    expect(log.entries.find((e) => e.event === "event_source.environment_killed")).toMatchObject({ slot: 0, midBatch: true });
    expect(measurements.get("EnvironmentsKilled")).toBe(1);
  });
});

describe("KinesisEventSource with execution environments", () => {
  let kinesis: StandIn;
  let client: KinesisClient;
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = createKinesisClient(kinesis);
    await ensureStream(client, "environments", 1);
  });
  afterAll(() => kinesis.close());

  it("redelivers a batch whose environment was killed mid-batch to a fresh one, and every record arrives", async () => {
    const seen: { slot: number; generation: number; records: string[] }[] = [];
    let generations = 0;
    let killedOnce = false;
    let killedGeneration = 0;
    let seenBeforeKill = 0;
    const environments: ExecutionEnvironments = new ExecutionEnvironments({
      count: 2,
      routing: "random",
      seed: 3,
      create(slot) {
        const generation = ++generations;
        return {
          async handler(e) {
            const records = e.Records.map((r) => Buffer.from(r.kinesis.data, "base64").toString());
            if (!killedOnce && records.includes("5")) {
              killedOnce = true;
              killedGeneration = generation;
              seenBeforeKill = seen.length;
              environments.kill(slot, "killed mid-batch");
              await new Promise(() => {});
            }
            seen.push({ slot, generation, records });
          },
          kill() {},
        };
      },
    });
    const source = new KinesisEventSource({ client, streamName: "environments", environments, log: memoryLog(), retryDelayMs: 10, batchSize: 3 });
    await source.start();
    for (let i = 0; i < 12; i++) await client.send(new PutRecordCommand({ StreamName: "environments", PartitionKey: "s", Data: Buffer.from(String(i)) }));
    const deadline = Date.now() + 10_000;
    while (seen.flatMap((s) => s.records).filter((r) => r === "11").length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await source.stop();
    expect(killedOnce).toBe(true);
    expect([...new Set(seen.flatMap((s) => s.records))]).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    // The killed environment finished nothing; the batch it held ran again elsewhere.
    expect(seen.slice(seenBeforeKill).some((s) => s.generation === killedGeneration)).toBe(false);
    expect(seen.some((s) => s.records.includes("5"))).toBe(true);
  });
});

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { type StandIn, startDynalite } from "@livetranslate/testing/standins";
import { DB_IAM_ACTIONS, ensureTable, isConditionalFailure } from "../../domain/db/index.ts";
import { memoryMeasurements } from "../../adapters/memory/index.ts";
import { memoryLog } from "../../log.ts";
import { guardDeclaredCalls } from "@livetranslate/testing/iam";
import { Segmenter } from "../segmenter/index.ts";
import { Checkpoint, type WarmSession } from "./checkpoint.ts";
import { ChunkOrder } from "./chunk-order.ts";

describe("the checkpoint on dynalite", () => {
  let dynamo: StandIn;
  let entity: Checkpoint.Entity;
  beforeAll(async () => {
    dynamo = await startDynalite();
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await ensureTable(client, "checkpoints");
    // The checkpoint sends only what DB_IAM_ACTIONS declares, as the other entities of the table.
    entity = Checkpoint.entity({ table: "checkpoints", client: guardDeclaredCalls(client, DB_IAM_ACTIONS) });
  });
  afterAll(() => dynamo.close());

  it("stores the checkpoint as JSON and refuses a write from a stale revision", async () => {
    const checkpoint = { sessionId: "ckpt-test-1", revision: 1, order: { lastChunkIndex: 4, held: [6], skipped: [] }, segmenter: { a: 1 }, buffer: { firstSample: 0, chunks: [[0, 4]] }, updatedAt: 1, expiresAt: 2 };
    await entity.create(checkpoint).go();
    const { data } = await entity.get({ sessionId: "ckpt-test-1" }).go({ consistent: true });
    expect(data).toMatchObject({ revision: 1, order: { lastChunkIndex: 4, held: [6] }, buffer: { chunks: [[0, 4]] } });
    const write = (from: number) => entity.put({ ...checkpoint, revision: from + 1 }).where(({ revision }, { eq }) => eq(revision, from)).go();
    await write(1);
    const stale = await write(1).catch((error: unknown) => error);
    expect(isConditionalFailure(stale)).toBe(true);
  });

  it("reads back what a batch wrote, and a second writer from the same revision is refused", async () => {
    const warm = await warmSession("ckpt-test-2");
    const deps = { log: memoryLog(), measurements: memoryMeasurements() };
    await Checkpoint.write(entity, deps, warm, false);
    expect(warm.revision).toBe(1);
    expect(await Checkpoint.read(entity, "ckpt-test-2")).toEqual(JSON.parse(JSON.stringify({ ...Checkpoint.of({ ...warm, revision: 0 }, false) })));

    const stale = { ...warm, revision: 0 };
    expect(isConditionalFailure(await Checkpoint.write(entity, deps, stale, false).catch((error: unknown) => error))).toBe(true);
    expect(deps.measurements.get("CheckpointConflicts")).toBe(1);
    expect(deps.log.entries.some((e) => e.event === "consumer.checkpoint_moved")).toBe(true);
  });

  it("names what does not read in a stored checkpoint", async () => {
    await entity.create({ sessionId: "ckpt-test-3", revision: 1, order: { lastChunkIndex: "four", held: [], skipped: [] }, segmenter: {}, buffer: {}, updatedAt: 1, expiresAt: 2 }).go();
    await expect(Checkpoint.read(entity, "ckpt-test-3")).rejects.toThrow(/checkpoint of ckpt-test-3 does not read:[\s\S]*order\.lastChunkIndex/);
  });
});

describe("the checkpoint's entity", () => {
  it("keeps the key live checkpoints were written under (a new model version would orphan them: the schema field changes instead)", () => {
    const entity = Checkpoint.entity({ table: "t", client: new DynamoDBClient({ region: "local" }) });
    expect(entity.get({ sessionId: "s-1" }).params()).toMatchObject({ Key: { pk: "$livetranslate#sessionid_s-1", sk: "$streamstate_2" } });
    expect(Checkpoint.of(warmSessionSync(), false).schema).toBe(Checkpoint.SCHEMA);
  });

  it("stores exactly the fields of Checkpoint.Info, required alike, beside its key and timestamps", () => {
    const entity = Checkpoint.entity({ table: "t", client: new DynamoDBClient({ region: "local" }) });
    const attributes = (entity as unknown as { schema: { attributes: Record<string, { required?: boolean }> } }).schema.attributes;
    const stored = Object.fromEntries(
      Object.entries(attributes)
        .filter(([name]) => !["sessionId", "updatedAt", "expiresAt"].includes(name))
        .map(([name, attribute]) => [name, attribute.required === true]),
    );
    const described = Object.fromEntries(Object.entries(Checkpoint.Info.shape).map(([name, field]) => [name, !(field as z.ZodType).safeParse(undefined).success]));
    expect(stored).toEqual(described);
  });
});

/** A session that has consumed nothing. */
function warmSessionSync(): WarmSession {
  return {
    revision: 0,
    session: { sessionId: "s-1", speakerTokenHash: "x", sourceLanguage: "en", targetLanguages: ["es"], status: "active", createdAt: 1 },
    segmenter: new Segmenter(),
    order: new ChunkOrder(),
    buffered: [],
    overload: 0,
  };
}

/** A session two seconds into a tone: an open segment, buffered chunks and a capture clock to keep. */
async function warmSession(sessionId: string): Promise<WarmSession> {
  const segmenter = new Segmenter();
  const order = new ChunkOrder();
  const warm: WarmSession = {
    revision: 0,
    session: { sessionId, speakerTokenHash: "x", sourceLanguage: "en", targetLanguages: ["es"], status: "active", createdAt: 1 },
    segmenter,
    order,
    buffered: [],
    overload: 1,
  };
  for (let chunkIndex = 0; chunkIndex < 20; chunkIndex++) {
    const pcm = Int16Array.from({ length: 1600 }, (_, i) => Math.round(8000 * Math.sin(((chunkIndex * 1600 + i) * 2 * Math.PI * 220) / 16000)));
    warm.buffered.push({ chunkIndex, position: { shardId: "shard-0", sequenceNumber: String(1000 + chunkIndex) }, startSample: segmenter.consumedSamples, samples: pcm.length });
    warm.clock = { sample: segmenter.consumedSamples, capturedAt: 5000 + chunkIndex * 100 };
    await segmenter.push(pcm);
    warm.through = { shardId: "shard-0", sequenceNumber: String(1000 + chunkIndex) };
  }
  return warm;
}

import { GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { createKinesisClient, createS3Client } from "@livetranslate/core/adapters/aws/clients";
import { ensureBucket, ensureStream, startKinesalite, startS3rver } from "@livetranslate/testing/standins";
import { startTestTable } from "@livetranslate/testing/table";
import { describe, expect, it, onTestFinished } from "vitest";
import { sweepExpiredObjects, sweepExpiredRecords, trimExpiredStreamRecords } from "./expiry.ts";

describe("lifetimes in local mode", () => {
  it("deletes audio objects older than their lifetime, and only those", async () => {
    const s3 = await startS3rver();
    try {
      const client = createS3Client(s3);
      await ensureBucket(client, "audio");
      await client.send(new PutObjectCommand({ Bucket: "audio", Key: "sessions/a/translated/es/1.wav", Body: "x" }));
      expect(await sweepExpiredObjects(client, "audio", "sessions/", 24 * 3600 * 1000)).toBe(0);
      expect(await sweepExpiredObjects(client, "audio", "sessions/", 24 * 3600 * 1000, Date.now() + 25 * 3600 * 1000)).toBe(1);
      expect(await sweepExpiredObjects(client, "audio", "sessions/", 0)).toBe(0);
    } finally {
      await s3.close();
    }
  });

  it("deletes records whose expiry has passed, as DynamoDB TTL would", async () => {
    const { client, db, close } = await startTestTable("records");
    try {
      const now = Date.now();
      await db.entities.connection.put({ connectionId: "old", sessionId: "s", role: "listener", language: "es", connectedAt: 0, expiresAt: Math.floor(now / 1000) - 1 }).go();
      await db.entities.connection.put({ connectionId: "new", sessionId: "s", role: "listener", language: "es", connectedAt: now, expiresAt: Math.floor(now / 1000) + 3600 }).go();
      expect(await sweepExpiredRecords(client, "records", now)).toBe(1);
      expect((await db.entities.connection.get({ connectionId: "old" }).go()).data).toBeNull();
      expect((await db.entities.connection.get({ connectionId: "new" }).go()).data).not.toBeNull();
    } finally {
      await close();
    }
  });

  it("reads each shard of the stream from its oldest record to trim, and keeps every record within retention", async () => {
    const kinesis = await startKinesalite();
    try {
      const client = createKinesisClient(kinesis);
      await ensureStream(client, "trimmed", 2);
      for (let i = 0; i < 5; i++) {
        await client.send(new PutRecordCommand({ StreamName: "trimmed", PartitionKey: `session-${i}`, Data: Buffer.from(String(i)) }));
      }
      const pages = await trimExpiredStreamRecords(client, "trimmed");
      expect(pages).toBeGreaterThanOrEqual(2); // at least one read per shard, and it ends
      let kept = 0;
      for (const shardId of ["shardId-000000000000", "shardId-000000000001"]) {
        const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: "trimmed", ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }));
        kept += (await client.send(new GetRecordsCommand({ ShardIterator }))).Records?.length ?? 0;
      }
      expect(kept).toBe(5);
    } finally {
      await kinesis.close();
    }
  });
});

describe("sweepExpiredObjects on s3rver", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("sweepExpiredObjects deletes the audio objects older than their lifetime, and only those", async () => {
    // Prepare: S3 reports LastModified to the second, so the lifetime must exceed a second to tell old from new.
    const lifetimeMs = 1200;
    const s3 = await startS3rver();
    onTestFinished(() => s3.close());
    const client = createS3Client(s3);
    const keys = async (bucket: string) =>
      ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key).sort();
    await ensureBucket(client, "swept");
    const put = (key: string) => client.send(new PutObjectCommand({ Bucket: "swept", Key: key, Body: "audio" }));
    await put("sessions/a-b-1/translated/es/000001.mp3");
    await put("sessions/a-b-1/translated/fr/000001.mp3");
    await put("elsewhere/old.txt");
    await sleep(lifetimeMs + 150);
    await put("sessions/a-b-1/translated/es/000002.mp3");
    // Act
    const deleted = await sweepExpiredObjects(client, "swept", "sessions/", lifetimeMs);
    // Assess
    expect(deleted).toBe(2);
    expect(await keys("swept")).toEqual(["elsewhere/old.txt", "sessions/a-b-1/translated/es/000002.mp3"]);
  });
});

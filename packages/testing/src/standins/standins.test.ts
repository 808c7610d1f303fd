import { createServer } from "node:net";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { ListBucketsCommand, type S3Client } from "@aws-sdk/client-s3";
import { createDynamoClient, createKinesisClient, createS3Client } from "@livetranslate/core/adapters/aws/clients";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBucket, ensureStream, type StandIn, startDynalite, startKinesalite, startS3rver } from "./index.ts";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("stand-ins", () => {
  it.each([
    ["dynalite", startDynalite, async (s: StandIn) => (await createDynamoClient(s).send(new ListTablesCommand({}))).TableNames],
    ["kinesalite", startKinesalite, async (s: StandIn) => (await createKinesisClient(s).send(new ListStreamsCommand({}))).StreamNames],
    ["s3rver", startS3rver, async (s: StandIn) => (await createS3Client(s).send(new ListBucketsCommand({}))).Buckets ?? []],
  ] as const)("%s listens on 127.0.0.1 at the port given, answers the SDK, and frees the port on close", async (_, start, list) => {
    // Prepare
    const port = await freePort();
    // Act
    const standIn = await start({ port });
    const answer = await list(standIn).finally(() => standIn.close());
    // Assess
    expect(standIn.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(answer).toEqual([]);
    await expect(fetch(standIn.endpoint)).rejects.toThrow();
  });

  it("picks a free port of its own when none is given", async () => {
    // Act
    const [a, b] = await Promise.all([startKinesalite(), startKinesalite()]);
    await Promise.all([a.close(), b.close()]);
    // Assess
    expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.endpoint).not.toBe(b.endpoint);
  });
});

describe("ensureStream on kinesalite", () => {
  let kinesis: StandIn;
  beforeAll(async () => {
    kinesis = await startKinesalite();
  });
  afterAll(() => kinesis.close());

  it("creates the stream with its shards, waits until it is ACTIVE, and accepts an existing one", async () => {
    // Prepare
    const client = createKinesisClient(kinesis);
    // Act
    await ensureStream(client, "audio", 2);
    await ensureStream(client, "audio", 2);
    // Assess
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: "audio" }));
    expect(StreamDescription?.StreamStatus).toBe("ACTIVE");
    expect(StreamDescription?.Shards).toHaveLength(2);
  });
});

describe("S3 on s3rver", () => {
  let s3: StandIn;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver();
    client = createS3Client(s3);
  });
  afterAll(() => s3.close());

  it("ensureBucket creates the bucket once and accepts an existing one", async () => {
    // Act
    await ensureBucket(client, "created-twice");
    await ensureBucket(client, "created-twice");
    // Assess
    const { Buckets } = await client.send(new ListBucketsCommand({}));
    expect(Buckets?.filter((b) => b.Name === "created-twice")).toHaveLength(1);
  });
});

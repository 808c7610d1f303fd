/// <reference path="../untyped-modules.d.ts" />
/**
 * Embedded stand-ins for DynamoDB (dynalite), Kinesis (kinesalite) and S3 (s3rver), in-process on
 * 127.0.0.1, for local mode and for tests. The AWS adapters talk to them unchanged.
 */
import { CreateStreamCommand, DescribeStreamCommand, type KinesisClient, ListShardsCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import { createHash } from "node:crypto";
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import dynalite from "dynalite";
import kinesalite from "kinesalite";
import S3rver from "s3rver";

export interface StandIn {
  endpoint: string;
  /** What a client must sign with (s3rver knows one key pair; the others take any). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

const ANY_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface StandInOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * A folder to keep the data in, so it outlives the process (even `kill -9`: LevelDB's log is written
   * through at once); in memory when absent.
   */
  directory?: string;
}

function inFolder(directory: string | undefined): string | undefined {
  if (directory) mkdirSync(directory, { recursive: true });
  return directory;
}

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      // SDK clients keep connections alive; without this, close waits for them to time out.
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
}

/** DynamoDB, in memory or in `directory`, with table changes taking effect at once. */
export async function startDynalite(options: StandInOptions = {}): Promise<StandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: inFolder(options.directory) }) as Server;
  const endpoint = await listen(server, options.port ?? 0);
  return { endpoint, credentials: ANY_CREDENTIALS, close: closer(server) };
}

/** Kinesis, in memory or in `directory`, with streams created at once. */
export async function startKinesalite(options: StandInOptions = {}): Promise<StandIn> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100, path: inFolder(options.directory) }) as Server;
  const endpoint = await listen(server, options.port ?? 0);
  return { endpoint, credentials: ANY_CREDENTIALS, close: closer(server) };
}

/** S3, storing objects in `directory`, or else in a temporary folder removed on close. */
export async function startS3rver(options: StandInOptions = {}): Promise<StandIn> {
  const kept = inFolder(options.directory);
  const directory = kept ?? mkdtempSync(path.join(tmpdir(), "livetranslate-s3-"));
  const s3 = new S3rver({ port: options.port ?? 0, address: "127.0.0.1", silent: true, directory, resetOnClose: !kept });
  const { port } = (await s3.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    close: async () => {
      const server = (s3 as unknown as { httpServer?: Server }).httpServer;
      server?.closeAllConnections();
      await s3.close();
      if (!kept) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Creates the stream unless it exists and waits until it is ACTIVE (local mode and tests; AWS has infra). */
export async function ensureStream(client: KinesisClient, streamName: string, shardCount = 1): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if ((error as Error).name !== "ResourceInUseException") throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
    if (StreamDescription?.StreamStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

/**
 * Splits `shardId` at the middle of its hash key range, as an on-demand stream does when it grows, and waits for the
 * stream to be active again: records put from then on go to the two child shards.
 */
export async function splitShard(client: KinesisClient, streamName: string, shardId: string): Promise<void> {
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
  const shard = StreamDescription?.Shards?.find((s) => s.ShardId === shardId);
  if (!shard?.HashKeyRange) throw new Error(`stream ${streamName} has no shard ${shardId}`);
  const { StartingHashKey, EndingHashKey } = shard.HashKeyRange;
  const middle = (BigInt(StartingHashKey!) + BigInt(EndingHashKey!)) / 2n;
  await client.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: shardId, NewStartingHashKey: middle.toString() }));
  await ensureStream(client, streamName);
}

/** Splits the open shard that `partitionKey`'s records go to (see `splitShard`); returns its id. */
export async function splitShardHolding(client: KinesisClient, streamName: string, partitionKey: string): Promise<string> {
  // Kinesis maps a partition key to the 128-bit number its MD5 digest spells, and that to the shard whose range holds it.
  const hashKey = BigInt(`0x${createHash("md5").update(partitionKey).digest("hex")}`);
  const { Shards } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const shard = Shards?.find(
    (s) => !s.SequenceNumberRange?.EndingSequenceNumber && BigInt(s.HashKeyRange!.StartingHashKey!) <= hashKey && hashKey <= BigInt(s.HashKeyRange!.EndingHashKey!),
  );
  if (!shard) throw new Error(`stream ${streamName} has no open shard for partition key ${partitionKey}`);
  await splitShard(client, streamName, shard.ShardId!);
  return shard.ShardId!;
}

/** Creates the bucket unless it exists; `readableFrom` lets those web origins GET its objects (CORS), as in AWS. */
export async function ensureBucket(client: S3Client, bucket: string, readableFrom: string[] = []): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  if (readableFrom.length > 0) {
    await client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [{ AllowedOrigins: readableFrom, AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"], MaxAgeSeconds: 3600 }],
        },
      }),
    );
  }
}

import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pcmFromBase64, pcmToBase64 } from "../audio/index.ts";
import { ensureStream, type StandIn, startKinesalite } from "../standins/index.ts";
import { readWav, englishClips } from "../testing/fixtures.ts";
import { createKinesisClient } from "./clients.ts";
import { decodeIngestRecord, KinesisAudioIngest } from "./kinesis.ts";

describe("KinesisAudioIngest against kinesalite", () => {
  let kinesis: StandIn;
  let client: KinesisClient;
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = createKinesisClient(kinesis);
    await ensureStream(client, "audio", 1);
  });
  afterAll(() => kinesis.close());

  it("round-trips real PCM exactly, keyed by session, in order", async () => {
    // Prepare
    const pcm = readWav(englishClips()[1]!.file).slice(0, 1600 * 3);
    const ingest = new KinesisAudioIngest({ client, streamName: "audio" });
    // Act
    for (let i = 0; i < 3; i++) {
      await ingest.put({ kind: "chunk", sessionId: "calm-river-101", chunkIndex: i, capturedAt: 10 + i, ingestedAt: 20 + i, audioData: pcmToBase64(pcm.subarray(i * 1600, (i + 1) * 1600)) });
    }
    await ingest.put({ kind: "end", sessionId: "calm-river-101", ingestedAt: 99 });
    // Assess
    const { Shards } = await client.send(new ListShardsCommand({ StreamName: "audio" }));
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: "audio", ShardId: Shards![0]!.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
    const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records!.map((r) => r.PartitionKey)).toEqual(Array(4).fill("calm-river-101"));
    const decoded = Records!.map((r) => decodeIngestRecord(r.Data!));
    expect(decoded.map((r) => r.kind)).toEqual(["chunk", "chunk", "chunk", "end"]);
    const audio = decoded.flatMap((r) => (r.kind === "chunk" ? [...pcmFromBase64(r.audioData)!] : []));
    expect(new Int16Array(audio)).toEqual(pcm);
  });

  it("names what is wrong with a malformed record", () => {
    expect(() => decodeIngestRecord(Buffer.from("not json").toString("base64"))).toThrow(/not JSON/);
    expect(() => decodeIngestRecord(new TextEncoder().encode(JSON.stringify({ kind: "chunk", sessionId: "s" })))).toThrow(/chunkIndex/);
  });
});

describe("KinesisAudioIngest retries (mocked SDK)", () => {
  it("retries throughput errors and succeeds", async () => {
    const mock = mockClient(KinesisClient);
    const throttled = Object.assign(new Error("Rate exceeded for shard"), { name: "ProvisionedThroughputExceededException" });
    mock.on(PutRecordCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({ SequenceNumber: "1", ShardId: "shardId-0" });
    const ingest = new KinesisAudioIngest({ client: new KinesisClient({ region: "us-east-1" }), streamName: "audio" });
    await ingest.put({ kind: "end", sessionId: "s-s-1", ingestedAt: 1 });
    expect(mock.commandCalls(PutRecordCommand)).toHaveLength(3);
    expect(mock.commandCalls(PutRecordCommand)[0]!.args[0].input).toMatchObject({ StreamName: "audio", PartitionKey: "s-s-1" });
    mock.restore();
  });

  it("does not retry a request that can never succeed", async () => {
    const mock = mockClient(KinesisClient);
    mock.on(PutRecordCommand).rejects(Object.assign(new Error("Stream audio not found"), { name: "ResourceNotFoundException" }));
    const ingest = new KinesisAudioIngest({ client: new KinesisClient({ region: "us-east-1" }), streamName: "audio" });
    await expect(ingest.put({ kind: "end", sessionId: "s-s-1", ingestedAt: 1 })).rejects.toThrow(/not found/);
    expect(mock.commandCalls(PutRecordCommand)).toHaveLength(1);
    mock.restore();
  });
});

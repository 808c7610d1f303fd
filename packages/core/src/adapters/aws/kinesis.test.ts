import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pcmFromBase64, pcmToBase64 } from "../../audio/index.ts";
import type { IngestRecord } from "../../ports/index.ts";
import { ensureStream, type StandIn, startKinesalite } from "@livetranslate/testing/standins";
import { englishClips, readWav } from "@livetranslate/testing/fixtures";
import { createKinesisClient } from "./clients.ts";
import { expectDeclaredCalls, guardDeclaredCalls } from "@livetranslate/testing/iam";
import { decodeIngestRecord, encodeIngestRecord, KinesisAudioIngest, KinesisIngestReplay, positionOfEventRecord } from "./kinesis.ts";

const chunk = (chunkIndex: number, audioData = "AAAA"): IngestRecord => ({
  kind: "chunk",
  sessionId: "calm-river-101",
  chunkIndex,
  capturedAt: 1_700_000_000_000 + chunkIndex * 100,
  ingestedAt: 1_700_000_000_050 + chunkIndex * 100,
  audioData,
});

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
    const ingest = new KinesisAudioIngest({ client: guardDeclaredCalls(createKinesisClient(kinesis), KinesisAudioIngest.iamActions), streamName: "audio" });
    // Act
    for (let i = 0; i < 3; i++) await ingest.put(chunk(i, pcmToBase64(pcm.subarray(i * 1600, (i + 1) * 1600))));
    await ingest.put({ kind: "end", sessionId: "calm-river-101", ingestedAt: 99 });
    // Assess
    const { Shards } = await client.send(new ListShardsCommand({ StreamName: "audio" }));
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: "audio", ShardId: Shards![0]!.ShardId!, ShardIteratorType: "TRIM_HORIZON" }),
    );
    const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records!.map((r) => r.PartitionKey)).toEqual(Array(4).fill("calm-river-101"));
    const decoded = Records!.map((r) => decodeIngestRecord(r.Data!));
    expect(decoded.map((r) => (r.kind === "chunk" ? r.chunkIndex : r.kind))).toEqual([0, 1, 2, "end"]);
    const audio = decoded.flatMap((r) => (r.kind === "chunk" ? [...pcmFromBase64(r.audioData)!] : []));
    expect(new Int16Array(audio)).toEqual(pcm);
  });
});

describe("KinesisIngestReplay against kinesalite", () => {
  let kinesis: StandIn;
  let client: KinesisClient;
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = createKinesisClient(kinesis);
    await ensureStream(client, "replay", 1);
  });
  afterAll(() => kinesis.close());

  it("reads one session's records back from a sequence number through another, passing over other sessions", async () => {
    // Prepare: two sessions interleaved on one shard.
    const put = async (sessionId: string, chunkIndex: number) => {
      const out = await client.send(new PutRecordCommand({ StreamName: "replay", PartitionKey: sessionId, Data: encodeIngestRecord({ ...chunk(chunkIndex), sessionId }) }));
      return { shardId: out.ShardId!, sequenceNumber: out.SequenceNumber! };
    };
    const positions = [];
    for (let i = 0; i < 6; i++) {
      positions.push(await put("calm-river-101", i));
      await put("other-session-9", i);
    }
    const replay = new KinesisIngestReplay({
      client: guardDeclaredCalls(createKinesisClient(kinesis), KinesisIngestReplay.iamActions),
      streamName: "replay",
    });
    // Act
    const records = await replay.read("calm-river-101", positions[1]!, positions[4]!);
    // Assess
    expect(records.map((r) => (r.kind === "chunk" ? r.chunkIndex : -1))).toEqual([1, 2, 3, 4]);
    expect(records.map((r) => r.position)).toEqual(positions.slice(1, 5));
    expect(records.every((r) => r.sessionId === "calm-river-101")).toBe(true);
  });

  it("reads a position from a Lambda event record's eventID", () => {
    expect(positionOfEventRecord({ eventID: "shardId-000000000003:4959", kinesis: { sequenceNumber: "4959" } })).toEqual({ shardId: "shardId-000000000003", sequenceNumber: "4959" });
    expect(() => positionOfEventRecord({ eventID: "nonsense", kinesis: { sequenceNumber: "1" } })).toThrow(/shard/);
  });
});

describe("ingest record encoding", () => {
  it("decodes the base64 text a Lambda Kinesis event carries as well as raw bytes", () => {
    // Prepare
    const record = chunk(7, pcmToBase64(new Int16Array([0, 1, -1, 32767, -32768])));
    const bytes = encodeIngestRecord(record);
    // Act
    const fromEvent = decodeIngestRecord(Buffer.from(bytes).toString("base64"));
    const fromGetRecords = decodeIngestRecord(bytes);
    // Assess
    expect(fromEvent).toEqual(record);
    expect(fromGetRecords).toEqual(record);
  });

  it("names what is wrong with a malformed record", () => {
    // Prepare
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    // Act
    const decode = (data: Uint8Array | string) => () => decodeIngestRecord(data);
    // Assess
    expect(decode(Buffer.from("not json").toString("base64"))).toThrow(/not JSON/);
    expect(decode(json({ kind: "chunk", sessionId: "s", capturedAt: 1, ingestedAt: 1, audioData: "AAAA" }))).toThrow(/chunkIndex/);
    expect(decode(json({ ...chunk(1), chunkIndex: -1 }))).toThrow(/chunkIndex/);
    expect(decode(json({ ...chunk(1), audioData: "not base64!" }))).toThrow(/audioData: must be base64/);
    expect(decode(json({ kind: "start", sessionId: "s" }))).toThrow(/kind must be "chunk" or "end"/);
  });
});

describe("KinesisAudioIngest retries (mocked SDK)", () => {
  // Only this client is mocked, not every KinesisClient (the kinesalite one above stays real).
  const client = new KinesisClient({ region: "us-east-1" });
  const mock = mockClient(client);
  afterEach(() => mock.reset());
  expectDeclaredCalls(mock, KinesisAudioIngest.iamActions);
  afterAll(() => mock.restore());
  const throttled = (name: string) => Object.assign(new Error("Rate exceeded for shard shardId-000000000000"), { name });

  it.each(["ProvisionedThroughputExceededException", "ThrottlingException"])("backs off after %s and succeeds", async (name) => {
    // Prepare
    mock.on(PutRecordCommand).rejectsOnce(throttled(name)).rejectsOnce(throttled(name)).resolves({ SequenceNumber: "1", ShardId: "shardId-0" });
    const ingest = new KinesisAudioIngest({ client, streamName: "audio" });
    const started = Date.now();
    // Act
    await ingest.put({ kind: "end", sessionId: "s-s-1", ingestedAt: 1 });
    // Assess
    const calls = mock.commandCalls(PutRecordCommand);
    expect(calls).toHaveLength(3);
    expect(calls.every((call) => call.args[0].input.StreamName === "audio" && call.args[0].input.PartitionKey === "s-s-1")).toBe(true);
    // Backoff starts at 100 ms (randomized up to x2), so two retries cannot be instant.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("gives up after its retries and surfaces the throttling error", async () => {
    // Prepare
    mock.on(PutRecordCommand).rejects(throttled("ProvisionedThroughputExceededException"));
    const ingest = new KinesisAudioIngest({ client, streamName: "audio", retries: 1 });
    // Act
    const putting = ingest.put({ kind: "end", sessionId: "s-s-1", ingestedAt: 1 });
    // Assess
    await expect(putting).rejects.toThrow(/Rate exceeded/);
    expect(mock.commandCalls(PutRecordCommand)).toHaveLength(2);
  });

  it("does not retry a request that can never succeed", async () => {
    // Prepare
    mock.on(PutRecordCommand).rejects(Object.assign(new Error("Stream audio not found"), { name: "ResourceNotFoundException" }));
    const ingest = new KinesisAudioIngest({ client, streamName: "audio" });
    // Act
    const putting = ingest.put({ kind: "end", sessionId: "s-s-1", ingestedAt: 1 });
    // Assess
    await expect(putting).rejects.toThrow(/not found/);
    expect(mock.commandCalls(PutRecordCommand)).toHaveLength(1);
  });
});

describe("KinesisAudioIngest.putMany (PutRecords)", () => {
  const client = new KinesisClient({ region: "us-east-1" });
  const mock = mockClient(client);
  afterEach(() => mock.reset());
  expectDeclaredCalls(mock, KinesisAudioIngest.iamActions);
  afterAll(() => mock.restore());
  const chunk = (chunkIndex: number): IngestRecord => ({ kind: "chunk", sessionId: "calm-river-101", chunkIndex, capturedAt: 1, ingestedAt: 2, audioData: "AAAA" });

  it("sends the records keyed by session, and sends again only those Kinesis did not accept (FailedRecordCount)", async () => {
    // Prepare: the second of three entries is throttled once.
    mock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: "1", ShardId: "s" },
          { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" },
          { SequenceNumber: "3", ShardId: "s" },
        ],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: "4", ShardId: "s" }] });
    // Act
    await new KinesisAudioIngest({ client, streamName: "audio" }).putMany([chunk(0), chunk(1), chunk(2)]);
    // Assess
    const calls = mock.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.StreamName).toBe("audio");
    expect(calls[0]!.Records!.map((r) => r.PartitionKey)).toEqual(["calm-river-101", "calm-river-101", "calm-river-101"]);
    expect(calls[1]!.Records!.map((r) => (decodeIngestRecord(r.Data!) as { chunkIndex: number }).chunkIndex)).toEqual([1]);
  });

  it("gives up when entries keep failing", async () => {
    mock.on(PutRecordsCommand).resolves({ FailedRecordCount: 1, Records: [{ ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" }] });
    await expect(new KinesisAudioIngest({ client, streamName: "audio", retries: 1 }).putMany([chunk(0)])).rejects.toThrow(/not accepted/);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(2);
  });
});

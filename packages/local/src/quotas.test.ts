import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import type { Engines } from "@livetranslate/core/domain/languages";
import { awsDefaultQuotas, localQuotas, quotaSettings } from "./quotas.ts";

describe("quotaSettings (LIVETRANSLATE_QUOTAS and the per-quota overrides)", () => {
  it("is off unless asked, and AWS's defaults with aws", () => {
    expect(quotaSettings({})).toBeUndefined();
    expect(quotaSettings({ LIVETRANSLATE_QUOTAS: "off" })).toBeUndefined();
    expect(quotaSettings({ LIVETRANSLATE_QUOTAS: "aws" })).toEqual({
      synthesisTps: 8,
      translationTps: 20,
      postsPerSecond: 10_000,
      publishesPerSecond: 20_000,
      recognizerStreams: 25,
      newConnectionsPerSecond: 500,
      tableWritesPerSecond: 4000,
      tableReadsPerSecond: 12_000,
    });
  });

  it("takes each override, fractions included", () => {
    const settings = quotaSettings({
      LIVETRANSLATE_QUOTAS: "aws",
      LIVETRANSLATE_QUOTA_SYNTHESIS_TPS: "0.5",
      LIVETRANSLATE_QUOTA_TRANSLATION_TPS: "2.5",
      LIVETRANSLATE_QUOTA_POSTS_PER_SECOND: "40",
      LIVETRANSLATE_QUOTA_PUBLISHES_PER_SECOND: "0.25",
      LIVETRANSLATE_QUOTA_RECOGNIZER_STREAMS: "3",
      LIVETRANSLATE_QUOTA_NEW_CONNECTIONS_PER_SECOND: "0.2",
      LIVETRANSLATE_QUOTA_TABLE_WRITES_PER_SECOND: "30",
      LIVETRANSLATE_QUOTA_TABLE_READS_PER_SECOND: "90.5",
    });
    expect(settings).toEqual({
      synthesisTps: 0.5,
      translationTps: 2.5,
      postsPerSecond: 40,
      publishesPerSecond: 0.25,
      recognizerStreams: 3,
      newConnectionsPerSecond: 0.2,
      tableWritesPerSecond: 30,
      tableReadsPerSecond: 90.5,
    });
  });

  it("names what is wrong", () => {
    expect(() => quotaSettings({ LIVETRANSLATE_QUOTAS: "yes" })).toThrow(/LIVETRANSLATE_QUOTAS must be "off" or "aws", not "yes"/);
    expect(() => quotaSettings({ LIVETRANSLATE_QUOTAS: "aws", LIVETRANSLATE_QUOTA_SYNTHESIS_TPS: "0" })).toThrow(/LIVETRANSLATE_QUOTA_SYNTHESIS_TPS must be a number above 0/);
    expect(() => quotaSettings({ LIVETRANSLATE_QUOTAS: "aws", LIVETRANSLATE_QUOTA_POSTS_PER_SECOND: "lots" })).toThrow(/"lots"/);
    expect(() => quotaSettings({ LIVETRANSLATE_QUOTAS: "aws", LIVETRANSLATE_QUOTA_RECOGNIZER_STREAMS: "2.5" })).toThrow(/whole number of streams/);
    expect(() => quotaSettings({ LIVETRANSLATE_QUOTAS: "aws", LIVETRANSLATE_QUOTA_PUBLISHES_PER_SECOND: "-1" })).toThrow(/LIVETRANSLATE_QUOTA_PUBLISHES_PER_SECOND must be a number above 0/);
    expect(() => quotaSettings({ LIVETRANSLATE_QUOTA_SYNTHESIS_TPS: "1" })).toThrow(/only applies with LIVETRANSLATE_QUOTAS=aws/);
  });
});

describe("localQuotas", () => {
  it("scales the standard voices' quota and the bursts with an override (neural 0.8/s: burst 1; standard 8/s, burst 10)", async () => {
    let t = 0;
    const engines: Engines = {
      recognizer: { languages: ["en"], startStream: () => ({}) as never },
      translator: { pairs: [], translate: async (text) => text },
      synthesizer: { languages: ["es"], synthesize: async () => ({ data: new Uint8Array(), format: "audio/wav", durationSeconds: 0 }) },
    };
    const quotas = localQuotas({ ...awsDefaultQuotas(), synthesisTps: 0.8 }, () => t);
    const { synthesizer } = quotas.engines(engines);
    const outcomes = async (engine: "neural" | "standard", n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) ok += (await synthesizer.synthesize("x", "es", { engine }).then(() => 1, () => 0));
      return ok;
    };
    expect(await outcomes("neural", 5)).toBe(1);
    expect(await outcomes("standard", 20)).toBe(10);
    t += 1250;
    expect(await outcomes("neural", 5)).toBe(1);
    expect(await outcomes("standard", 20)).toBe(10);
  });

  it("throttles every broadcast publisher it is given at one inbound publish rate (account-wide), as IoT Core answers", async () => {
    let t = 0;
    const quotas = localQuotas({ ...awsDefaultQuotas(), publishesPerSecond: 0.5 }, () => t);
    const published: string[] = [];
    const [a, b] = [0, 1].map(() => quotas.publisher({ publish: async (channel) => void published.push(channel.language) }));
    await a!.publish({ sessionId: "s", language: "es" }, { type: "pong" });
    await expect(b!.publish({ sessionId: "s", language: "fr" }, { type: "pong" })).rejects.toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 429 } });
    t += 2000;
    await b!.publish({ sessionId: "s", language: "fr" }, { type: "pong" });
    expect(published).toEqual(["es", "fr"]);
  });

  it("throttles every DynamoDB client it is given at one table throughput (shared, as the table's is), and no other client", async () => {
    const quotas = localQuotas({ ...awsDefaultQuotas(), tableWritesPerSecond: 0.001 }, () => 0);
    // No endpoint is reached: the refusal comes before the request is sent, and a passed write fails to connect.
    const [a, b] = [0, 1].map(() => new DynamoDBClient({ endpoint: "http://127.0.0.1:9", region: "us-east-1", credentials: { accessKeyId: "l", secretAccessKey: "l" }, maxAttempts: 1 }));
    quotas.client(a!);
    quotas.client(b!);
    quotas.client({});
    const put = (client: DynamoDBClient) => client.send(new PutItemCommand({ TableName: "t", Item: { pk: { S: "x" } } })).catch((e: Error) => e.name);
    expect(await put(a!)).not.toBe("ProvisionedThroughputExceededException");
    expect(await put(b!)).toBe("ProvisionedThroughputExceededException");
    expect(await put(a!)).toBe("ProvisionedThroughputExceededException");
  });
});

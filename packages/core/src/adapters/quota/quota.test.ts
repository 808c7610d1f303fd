import { ApiGatewayManagementApiServiceException } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient, DynamoDBServiceException, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startTestTable } from "@livetranslate/testing/table";
import { IoTDataPlaneServiceException } from "@aws-sdk/client-iot-data-plane";
import { PollyServiceException } from "@aws-sdk/client-polly";
import { TranscribeStreamingServiceException } from "@aws-sdk/client-transcribe-streaming";
import { TranslateServiceException } from "@aws-sdk/client-translate";
import { describe, expect, it } from "vitest";
import { isQuotaError } from "../../domain/quotas/index.ts";
import type { BroadcastPublisher, ConnectionNotifier, RecognitionStream, SpeechRecognizer, SpeechSynthesizer, Translator } from "../../ports/index.ts";
import { createDynamoClient, TABLE_MAX_ATTEMPTS } from "../aws/clients.ts";
import { limitedRecognizer, throttledNotifier, throttledPublisher, throttledSynthesizer, throttledTranslator, throttleTable, TokenBucket } from "./index.ts";

/** A clock the test moves by hand: no test here waits for real time. */
function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const takes = (bucket: TokenBucket, n: number) => Array.from({ length: n }, () => bucket.take()).filter(Boolean).length;

describe("TokenBucket", () => {
  it("lets the burst through at once, then the rate, never more", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(8, 10, clock.now);
    expect(takes(bucket, 20)).toBe(10);
    clock.advance(1000);
    expect(takes(bucket, 20)).toBe(8);
    clock.advance(250);
    expect(takes(bucket, 20)).toBe(2);
    // Idle for a minute: back to the burst, not more.
    clock.advance(60_000);
    expect(takes(bucket, 50)).toBe(10);
  });

  it("takes a fractional rate: one request every other second", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(0.5, undefined, clock.now);
    expect(takes(bucket, 5)).toBe(1);
    clock.advance(1000);
    expect(bucket.take()).toBe(false);
    clock.advance(1000);
    expect(bucket.take()).toBe(true);
  });

  it("refuses a rate that is not above 0, naming it", () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/above 0 per second, not 0/);
  });
});

describe("quota decorators answer as the AWS services do", () => {
  const synthesizer: SpeechSynthesizer = {
    languages: ["es"],
    synthesize: async () => ({ data: new Uint8Array(1), format: "audio/wav", durationSeconds: 0.1 }),
  };

  it("Polly: ThrottlingException, HTTP 400, a PollyServiceException; the standard voice has its own, larger quota", async () => {
    const clock = fakeClock();
    const throttled = throttledSynthesizer(synthesizer, { neural: new TokenBucket(8, 10, clock.now), standard: new TokenBucket(80, 100, clock.now) });
    for (let i = 0; i < 10; i++) await throttled.synthesize("hola", "es");
    const error = await throttled.synthesize("hola", "es").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PollyServiceException);
    expect(error).toMatchObject({ name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400 } });
    expect(isQuotaError(error)).toBe(true);
    await expect(throttled.synthesize("hola", "es", { engine: "standard" })).resolves.toMatchObject({ format: "audio/wav" });
  });

  it("Translate: TooManyRequestsException, HTTP 429, per language pair", async () => {
    const clock = fakeClock();
    const translator: Translator = { pairs: [], translate: async (text) => text };
    const throttled = throttledTranslator(translator, () => new TokenBucket(1, 1, clock.now));
    await throttled.translate("a", "en", "es");
    const error = await throttled.translate("a", "en", "es").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TranslateServiceException);
    expect(error).toMatchObject({ name: "TooManyRequestsException", $fault: "client", $metadata: { httpStatusCode: 429 } });
    await expect(throttled.translate("a", "en", "fr")).resolves.toBe("a");
    clock.advance(1000);
    await expect(throttled.translate("a", "en", "es")).resolves.toBe("a");
  });

  it("@connections: LimitExceededException, HTTP 429", async () => {
    const clock = fakeClock();
    const posted: string[] = [];
    const notifier: ConnectionNotifier = { post: async (id) => (posted.push(id), "delivered"), disconnect: async () => undefined };
    const throttled = throttledNotifier(notifier, new TokenBucket(2, 2, clock.now));
    await throttled.post("a", { type: "pong" });
    await throttled.post("b", { type: "pong" });
    const error = await throttled.post("c", { type: "pong" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiGatewayManagementApiServiceException);
    expect(error).toMatchObject({ name: "LimitExceededException", $fault: "client", $metadata: { httpStatusCode: 429 } });
    expect(posted).toEqual(["a", "b"]);
  });

  it("IoT Core Publish: ThrottlingException, HTTP 429, an IoTDataPlaneServiceException; the rate comes back with time", async () => {
    const clock = fakeClock();
    const published: string[] = [];
    const publisher: BroadcastPublisher = { publish: async (channel) => void published.push(channel.language) };
    const throttled = throttledPublisher(publisher, new TokenBucket(0.5, undefined, clock.now));
    await throttled.publish({ sessionId: "s", language: "es" }, { type: "pong" });
    const error = await throttled.publish({ sessionId: "s", language: "fr" }, { type: "pong" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoTDataPlaneServiceException);
    expect(error).toMatchObject({ name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 429 } });
    expect(isQuotaError(error)).toBe(true);
    clock.advance(2000);
    await throttled.publish({ sessionId: "s", language: "fr" }, { type: "pong" });
    expect(published).toEqual(["es", "fr"]);
  });

  it("Transcribe: LimitExceededException on the 26th concurrent stream; an ended or aborted stream frees its place", async () => {
    const stream: RecognitionStream = {
      write: async () => "",
      endSegment: async () => "text",
      pause: async () => "",
      phraseWords: async () => [],
      end: async () => undefined,
      abort: () => undefined,
    };
    const recognizer: SpeechRecognizer = { languages: ["en"], startStream: () => stream };
    const limited = limitedRecognizer(recognizer, 25);
    const open = Array.from({ length: 25 }, () => limited.startStream("en"));
    expect(limited.open).toBe(25);
    const refused = limited.startStream("en");
    const error = await refused.write(new Int16Array(160)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TranscribeStreamingServiceException);
    expect(error).toMatchObject({ name: "LimitExceededException", $fault: "client", $metadata: { httpStatusCode: 429 } });
    await open[0]!.end();
    open[1]!.abort();
    open[1]!.abort();
    expect(limited.open).toBe(23);
    await expect(limited.startStream("en").endSegment()).resolves.toBe("text");
  });
});

describe("a table's throughput (dynalite)", () => {
  const item = (id: string) => ({ pk: { S: id }, sk: { S: id } });

  it("refuses a write past the table's write units as DynamoDB does, inside the SDK's retry loop; reads are not spent by it", async () => {
    const table = await startTestTable("throttled");
    try {
      // One write unit, refilled once in 1 000 s; two attempts a call, so the refusal is seen retried.
      const client = new DynamoDBClient({ endpoint: table.dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 2 });
      throttleTable(client, { reads: new TokenBucket(1000, 1000), writes: new TokenBucket(0.001, 1) });
      await client.send(new PutItemCommand({ TableName: table.table, Item: item("a") }));
      const error = await client.send(new PutItemCommand({ TableName: table.table, Item: item("b") })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDBServiceException);
      expect(error).toMatchObject({ name: "ProvisionedThroughputExceededException", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 2 } });
      expect(isQuotaError(error)).toBe(true);
      const read = await client.send(new GetItemCommand({ TableName: table.table, Key: item("a"), ConsistentRead: true }));
      expect(read.Item?.pk?.S).toBe("a");
    } finally {
      await table.close();
    }
  });

  it("is waited out by the project's table clients for twice the SDK's default attempts before the caller fails", async () => {
    const client = createDynamoClient({ endpoint: "http://127.0.0.1:9" });
    expect(await client.config.maxAttempts()).toBe(TABLE_MAX_ATTEMPTS);
    expect(TABLE_MAX_ATTEMPTS).toBe(6);
  });
});

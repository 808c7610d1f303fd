/**
 * Runs sst.config.ts against recording stand-ins of SST's globals and checks every resource and setting
 * the deployment depends on, and that every handler path names a real exported function.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { installSstStubs, type Recorded } from "./testing/sst-stubs.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
type Config = { app(input?: { stage?: string }): Record<string, unknown>; run(): Promise<Record<string, unknown>> };

describe("sst.config.ts", () => {
  let resources: Recorded[];
  let outputs: Record<string, unknown>;
  let config: Config;
  const one = (type: string, name: string) => {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; have ${resources.map((r) => `${r.type}:${r.name}`).join(", ")}`);
    return found;
  };
  const all = (type: string) => resources.filter((r) => r.type === type);

  beforeAll(async () => {
    resources = installSstStubs("dev");
    config = (await import("../sst.config.ts")).default as unknown as Config;
    outputs = await config.run();
  });

  it("retains and protects production only", () => {
    expect(config.app({ stage: "production" })).toMatchObject({ name: "livetranslate", home: "aws", removal: "retain", protect: true });
    expect(config.app({ stage: "dev" })).toMatchObject({ removal: "remove", protect: false });
  });

  it("has the table the entities need, with TTL", () => {
    expect(one("sst.aws.Dynamo", "Sessions").args).toEqual({
      fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string" },
      primaryIndex: { hashKey: "pk", rangeKey: "sk" },
      globalIndexes: { gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" } },
      ttl: "expiresAt",
    });
  });

  it("keeps audio in a private bucket for one day, readable cross-origin by the listener app only", () => {
    const bucket = one("sst.aws.Bucket", "Audio");
    expect(bucket.args.public).toBeUndefined();
    expect(bucket.args.cors).toBe(false);
    expect(one("aws.s3.BucketLifecycleConfigurationV2", "AudioLifecycle").args).toEqual({
      bucket: "Audio",
      rules: [{ id: "expire-translated-audio", status: "Enabled", filter: { prefix: "sessions/" }, expiration: { days: 1 } }],
    });
    expect(one("aws.s3.BucketCorsConfigurationV2", "AudioCors").args.corsRules).toEqual([
      { allowedOrigins: ["ListenerApp.url"], allowedMethods: ["GET", "HEAD"], allowedHeaders: ["*"], maxAgeSeconds: 3600 },
    ]);
  });

  it("subscribes the consumer with no batching wait, partial failures, bisect, bounded retries and a DLQ", () => {
    const subscribe = one("sst.aws.KinesisStream", "AudioStream").calls.find((c) => c.method === "subscribe")!;
    expect(subscribe.args[0]).toBe("Consumer.arn");
    const mapping: Record<string, unknown> = {};
    subscribe.args[1].transform.eventSourceMapping(mapping);
    expect(mapping).toEqual({
      startingPosition: "LATEST",
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      parallelizationFactor: 4,
      functionResponseTypes: ["ReportBatchItemFailures"],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      destinationConfig: { onFailure: { destinationArn: "ConsumerFailures.arn" } },
    });
    const consumer = one("sst.aws.Function", "Consumer").args;
    expect(consumer.link.map((l: { name: string }) => l.name)).toEqual(["Sessions", "Audio", "Realtime", "AudioStream"]);
    expect(consumer.permissions.flatMap((p: { actions: string[] }) => p.actions)).toEqual([
      "transcribe:StartStreamTranscription",
      "translate:TranslateText",
      "polly:SynthesizeSpeech",
      "sqs:SendMessage",
    ]);
  });

  it("routes the WebSocket API: $connect, $disconnect, $default and every client action", () => {
    const routes = one("sst.aws.ApiGatewayWebSocket", "Realtime").calls.filter((c) => c.method === "route").map((c) => [c.args[0], c.args[1]]);
    expect(routes).toEqual([
      ["$connect", "Connect.arn"],
      ["$disconnect", "Disconnect.arn"],
      ["$default", "Message.arn"],
      ["audioChunk", "Message.arn"],
      ["endSession", "Message.arn"],
      ["setLanguage", "Message.arn"],
      ["ping", "Message.arn"],
    ]);
    // Least privilege: only the message handler writes to the stream and posts to connections.
    expect(one("sst.aws.Function", "Connect").args.link.map((l: { name: string }) => l.name)).toEqual(["Sessions"]);
    expect(one("sst.aws.Function", "Message").args.link.map((l: { name: string }) => l.name)).toEqual(["Sessions", "AudioStream", "Realtime"]);
  });

  it("serves the HTTP API with a Cognito JWT authorizer on POST /sessions only", () => {
    const api = one("sst.aws.ApiGatewayV2", "Api");
    const authorizer = api.calls.find((c) => c.method === "addAuthorizer")!.args[0];
    expect(authorizer).toEqual({
      name: "speakers",
      jwt: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/Speakers.id", audiences: ["SpeakerApp.id"] },
    });
    const routes = api.calls.filter((c) => c.method === "route").map((c) => [c.args[0], c.args[2]?.auth ?? null]);
    expect(routes).toEqual([
      ["GET /health", null],
      ["GET /languages", null],
      ["GET /sessions/{sessionId}", null],
      ["POST /sessions", { jwt: { authorizer: "Api.authorizer.speakers" } }],
    ]);
    const client = one("sst.aws.CognitoUserPool", "Speakers").calls.find((c) => c.method === "addClient")!;
    const clientArgs: Record<string, unknown> = {};
    client.args[1].transform.client(clientArgs);
    expect(clientArgs.explicitAuthFlows).toContain("ALLOW_USER_PASSWORD_AUTH");
  });

  it("builds both web apps with the API URLs and Cognito ids", () => {
    expect(one("sst.aws.StaticSite", "SpeakerApp").args).toMatchObject({
      path: "packages/web-speaker",
      environment: {
        VITE_HTTP_URL: "Api.url",
        VITE_WS_URL: "Realtime.url",
        VITE_LISTENER_URL: "ListenerApp.url/",
        VITE_COGNITO_USER_POOL_ID: "Speakers.id",
        VITE_COGNITO_CLIENT_ID: "SpeakerApp.id",
      },
    });
    expect(one("sst.aws.StaticSite", "ListenerApp").args.environment).toMatchObject({ VITE_HTTP_URL: "Api.url", VITE_WS_URL: "Realtime.url" });
    for (const site of all("sst.aws.StaticSite")) expect(existsSync(path.join(root, site.args.path, "package.json"))).toBe(true);
  });

  it("alarms on latency p90 > 5 s, handler error rate > 5%, consumer iterator age and a non-empty DLQ, with a dashboard", () => {
    const alarms = all("aws.cloudwatch.MetricAlarm");
    const latency = one("aws.cloudwatch.MetricAlarm", "EndToEndLatencyAlarm").args;
    expect(latency).toMatchObject({ namespace: "livetranslate", metricName: "EndToEndLatency", extendedStatistic: "p90", threshold: 5000 });
    const errorRates = alarms.filter((a) => a.name.endsWith("ErrorRateAlarm"));
    expect(errorRates.map((a) => a.name).sort()).toEqual(["ConnectErrorRateAlarm", "ConsumerErrorRateAlarm", "DisconnectErrorRateAlarm", "HttpErrorRateAlarm", "MessageErrorRateAlarm"]);
    for (const a of errorRates) expect(a.args).toMatchObject({ threshold: 5, comparisonOperator: "GreaterThanThreshold" });
    expect(one("aws.cloudwatch.MetricAlarm", "ConsumerIteratorAgeAlarm").args).toMatchObject({ metricName: "IteratorAge", dimensions: { FunctionName: "Consumer.functionName" } });
    expect(one("aws.cloudwatch.MetricAlarm", "ConsumerFailuresAlarm").args).toMatchObject({ namespace: "AWS/SQS", threshold: 0, dimensions: { QueueName: "ConsumerFailures.queueName" } });
    const body = JSON.parse(one("aws.cloudwatch.Dashboard", "Dashboard").args.dashboardBody);
    expect(body.widgets.length).toBeGreaterThanOrEqual(4);
  });

  it("names a handler file that exists and exports that function, for every function", async () => {
    const functions = all("sst.aws.Function");
    expect(functions.map((f) => f.name).sort()).toEqual(["Connect", "Consumer", "Disconnect", "Http", "Message"]);
    for (const fn of functions) {
      const [file, exported] = (fn.args.handler as string).split(/\.(?=[^.]+$)/) as [string, string];
      const source = path.join(root, `${file}.ts`);
      expect(existsSync(source), source).toBe(true);
      const module = (await import(source)) as Record<string, unknown>;
      expect(typeof module[exported], `${fn.args.handler}`).toBe("function");
    }
  });

  it("outputs the URLs a user needs", () => {
    expect(outputs).toMatchObject({ speaker: "SpeakerApp.url", listener: "ListenerApp.url", api: "Api.url", websocket: "Realtime.url" });
  });
});

/**
 * Child process of `invokeWithOnlyLinks`: stubs every AWS client's network, imports the function's real Lambda
 * entry, invokes it with events of its trigger, and writes what happened to LINKED_INVOCATION_RESULT.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { PollyClient } from "@aws-sdk/client-polly";
import { S3Client } from "@aws-sdk/client-s3";
import { TranscribeStreamingClient } from "@aws-sdk/client-transcribe-streaming";
import { TranslateClient } from "@aws-sdk/client-translate";
import { iamActionOf } from "@livetranslate/core/adapters/aws/iam";
import { pcmToBase64 } from "@livetranslate/core/audio";
import { createDb } from "@livetranslate/core/domain/db";
import { mockClient } from "aws-sdk-client-mock";
import { FUNCTIONS } from "../composition.ts";
import type { FunctionName } from "../deployment.ts";
import { httpApiEvent, kinesisEvent, webSocketEvent } from "./events.ts";

const fn = process.argv[2] as FunctionName;
const sessionId = "calm-river-101";
const speakerToken = "linked-invocation-speaker-token";

/** Events of each function's trigger: enough to make it build what it builds and reach its first AWS call. */
const SAMPLE_EVENTS: Record<FunctionName, () => [string, unknown][]> = {
  Connect: () => [
    ["$connect listener", webSocketEvent("CONNECT", "c1", { query: { role: "listener", sessionId, language: "es" } })],
    ["$connect speaker", webSocketEvent("CONNECT", "c2", { query: { role: "speaker", sessionId, token: speakerToken } })],
  ],
  Disconnect: () => [["$disconnect", webSocketEvent("DISCONNECT", "c1")]],
  Message: () => [
    [
      "audioChunk",
      webSocketEvent("MESSAGE", "c1", {
        routeKey: "audioChunk",
        body: JSON.stringify({
          action: "audioChunk",
          sessionId,
          chunkIndex: 0,
          timestamp: 1_700_000_000_000,
          format: "pcm-s16le-16000",
          audioData: pcmToBase64(new Int16Array(1600)),
        }),
      }),
    ],
  ],
  Http: () => [
    ["GET /languages", httpApiEvent("GET", "/languages")],
    ["POST /sessions", httpApiEvent("POST", "/sessions", { body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es"] }) })],
    [
      "POST /listener-reports",
      httpApiEvent("POST", "/listener-reports", { body: JSON.stringify({ sessionId, language: "es", downloads: [{ latencyMs: 90, ok: true }] }) }),
    ],
  ],
  BroadcastAuthorizerHandler: () => [
    [
      "MQTT connect with a pass",
      {
        protocols: ["mqtt"],
        signatureVerified: false,
        protocolData: { mqtt: { username: "listener", password: Buffer.from("abc.secret").toString("base64"), clientId: "lt-abc" } },
        connectionMetadata: { id: "e56f08c3-c559-490f-aa9f-7e8427d0f57b" },
      },
    ],
  ],
  BroadcastPresenceHandler: () => [
    [
      "IoT lifecycle event (disconnected)",
      {
        clientId: "lt-abc",
        timestamp: 1_700_000_000_000,
        eventType: "disconnected",
        sessionIdentifier: "00000000-0000-0000-0000-000000000000",
        principalIdentifier: "abc",
        clientInitiatedDisconnect: true,
        disconnectReason: "CLIENT_INITIATED_DISCONNECT",
        versionNumber: 0,
      },
    ],
  ],
  Consumer: () => [
    [
      "Kinesis batch",
      kinesisEvent([
        {
          partitionKey: sessionId,
          data: new TextEncoder().encode(
            JSON.stringify({ kind: "chunk", sessionId, chunkIndex: 0, capturedAt: 1, ingestedAt: 2, audioData: pcmToBase64(new Int16Array(1600)) }),
          ),
        },
      ]),
    ],
  ],
};

const mocks = [
  ApiGatewayManagementApiClient,
  DynamoDBClient,
  IoTDataPlaneClient,
  KinesisClient,
  PollyClient,
  S3Client,
  TranscribeStreamingClient,
  TranslateClient,
  CognitoIdentityProviderClient,
].map((client) => {
  // One list of different client classes: their command types differ, the stub only needs the class.
  const mock = mockClient(client as typeof DynamoDBClient);
  // What a function sees when the network is down: the call fails, not retryable, with no response (a new error each
  // time: ElectroDB marks the error it gets).
  mock.onAnyCommand().callsFake(networkDown);
  return mock;
});

function networkDown(): never {
  throw Object.assign(new Error("network stubbed by the linked invocation"), { name: "NetworkStubbed" });
}

/**
 * The records a function's sample events need to go on past their first read, answered from the sample session
 * (active, created by a signed-in speaker): a listener report is measured only for an active session, once its
 * client's rate window has counted it; a speaker's account is asked after its token matched. ElectroDB sends the
 * document client's commands (Get, Update) through the table's client, and takes their answers in plain form.
 */
function answerTable(): void {
  const now = Date.now();
  const db = createDb({ table: "linked", client: new DynamoDBClient({}) });
  const { Item: session } = db.entities.session
    .put({
      sessionId,
      speakerTokenHash: createHash("sha256").update(speakerToken).digest("hex"),
      sourceLanguage: "en",
      targetLanguages: ["es"],
      status: "active",
      createdAt: now,
      speakerAccount: "9f1c2b7e-linked",
      expiresAt: Math.floor(now / 1000) + 3600,
    })
    .params<{ Item: Record<string, unknown> }>();
  const { Item: window } = db.entities.rateWindow
    .put({ key: "listener-reports 127.0.0.1", hits: 1, resetAt: now + 60_000, expiresAt: Math.floor(now / 1000) + 60 })
    .params<{ Item: Record<string, unknown> }>();
  mocks[1]!.onAnyCommand().callsFake((input: { Key?: unknown; Item?: unknown; UpdateExpression?: string }) => {
    if (input.UpdateExpression) return { Attributes: { ...window } };
    if (input.Key && !input.Item) return { Item: { ...session } };
    return networkDown();
  });
}

if (fn === "Http" || fn === "Connect") answerTable();

const results: { event: string; result?: unknown; thrown?: string }[] = [];
const entry = (await import(`../handlers/${FUNCTIONS[fn].entry}.ts`)) as { handler: (event: unknown, context?: unknown) => Promise<unknown> };
for (const [name, event] of SAMPLE_EVENTS[fn]()) {
  try {
    // Lambda's context, as far as handlers read it (the authorizer takes its account and region from its ARN).
    results.push({ event: name, result: await entry.handler(event, { invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:f" }) });
  } catch (error) {
    results.push({ event: name, thrown: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}
const actions = [
  ...new Set(mocks.flatMap((mock) => mock.calls().map((call) => iamActionOf(mock.clientName(), (call.args[0] as object).constructor.name)))),
].sort();
writeFileSync(process.env.LINKED_INVOCATION_RESULT!, JSON.stringify({ results, actions }));

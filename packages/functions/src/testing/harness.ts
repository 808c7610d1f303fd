/** Handler test harness: a real table on dynalite, recording fakes for the stream and the notifier. */
import { createDynamoClient } from "@livetranslate/core/aws/clients";
import type { StreamConsumer } from "@livetranslate/core/consumer";
import { createDb, ensureTable } from "@livetranslate/core/db";
import { memoryLog } from "@livetranslate/core/log";
import type { ConnectionNotifier, IngestRecord } from "@livetranslate/core/ports";
import type { ServerMessage } from "@livetranslate/core/protocol";
import { startDynalite } from "@livetranslate/core/standins";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { Deps } from "../deps.ts";
import type { WebSocketEvent } from "../ws/events.ts";

export async function startHarness() {
  const dynamo = await startDynalite();
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  const table = `t${Math.random().toString(36).slice(2)}`;
  await ensureTable(client, table);
  const posted: { connectionId: string; message: ServerMessage }[] = [];
  const ingested: IngestRecord[] = [];
  const consumed: { sessionId: string; records: readonly IngestRecord[] }[] = [];
  const failingSessions = new Set<string>();
  const notifier: ConnectionNotifier = {
    async post(connectionId, message) {
      posted.push({ connectionId, message });
      return "delivered";
    },
    async disconnect() {},
  };
  const log = memoryLog();
  const deps: Deps = {
    db: createDb({ table, client }),
    ingest: { put: async (record) => void ingested.push(record) },
    notifier,
    consumer: {
      async consumeSession(sessionId: string, records: readonly IngestRecord[]) {
        if (failingSessions.has(sessionId)) throw new Error(`DynamoDB unavailable for ${sessionId}`);
        consumed.push({ sessionId, records });
      },
    } as unknown as StreamConsumer,
    languages: () => ({ source: ["en"], target: ["es", "fr", "it"] }),
    log,
  };
  return {
    deps,
    getDeps: () => deps,
    posted,
    ingested,
    consumed,
    failingSessions,
    log,
    close: () => dynamo.close(),
  };
}

let requestCounter = 0;

/** An API Gateway WebSocket event as Lambda receives it. */
export function webSocketEvent(
  eventType: "CONNECT" | "MESSAGE" | "DISCONNECT",
  connectionId: string,
  extra: { body?: string; query?: Record<string, string>; routeKey?: string } = {},
): WebSocketEvent {
  const routeKey = extra.routeKey ?? { CONNECT: "$connect", MESSAGE: "$default", DISCONNECT: "$disconnect" }[eventType];
  return {
    requestContext: {
      routeKey,
      eventType,
      messageId: eventType === "MESSAGE" ? `m${++requestCounter}` : undefined,
      extendedRequestId: `x${requestCounter}`,
      requestTime: new Date().toUTCString(),
      messageDirection: "IN",
      stage: "test",
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      requestId: `r${++requestCounter}`,
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      connectionId,
      apiId: "abc123",
    },
    queryStringParameters: extra.query,
    body: extra.body,
    isBase64Encoded: false,
  } as WebSocketEvent;
}

/** A Kinesis batch as the event source mapping delivers it. */
export function kinesisEvent(records: { partitionKey: string; data: Uint8Array | string }[]): KinesisStreamEvent {
  return {
    Records: records.map(({ partitionKey, data }, i): KinesisStreamRecord => {
      const sequenceNumber = String(49_000_000_000_000 + i);
      return {
        kinesis: {
          kinesisSchemaVersion: "1.0",
          partitionKey,
          sequenceNumber,
          data: typeof data === "string" ? data : Buffer.from(data).toString("base64"),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "arn:aws:iam::123456789012:role/consumer",
        awsRegion: "eu-west-1",
        eventSourceARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/audio",
      };
    }),
  };
}

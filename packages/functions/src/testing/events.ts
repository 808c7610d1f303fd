/** AWS-shaped events of each function's trigger, as Lambda receives them. */
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { WebSocketEvent } from "../ws/events.ts";

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

/**
 * An API Gateway HTTP API (payload v2) request, as Lambda receives it. `routeKey` names the route when the path
 * holds a parameter (`GET /sessions/{sessionId}`); `claims`: what API Gateway's JWT authorizer verified in the
 * caller's token (a route with `auth: "speaker"`).
 */
export function httpApiEvent(
  method: string,
  path: string,
  options: { body?: string; sourceIp?: string; bearer?: string; claims?: Record<string, string>; query?: Record<string, string>; routeKey?: string } = {},
) {
  const rawQueryString = new URLSearchParams(options.query).toString();
  return {
    version: "2.0",
    routeKey: options.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString,
    ...(rawQueryString ? { queryStringParameters: options.query } : {}),
    headers: { "content-type": "application/json", ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}) },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: options.sourceIp ?? "203.0.113.9", userAgent: "test" },
      requestId: `r${++requestCounter}`,
      routeKey: options.routeKey ?? `${method} ${path}`,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
    body: options.body,
    isBase64Encoded: false,
  };
}

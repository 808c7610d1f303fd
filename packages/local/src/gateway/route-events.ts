/**
 * What API Gateway hands a WebSocket route's Lambda: the route its selection expression (`$request.body.action`)
 * picks, and the event, shaped as AWS documents it, that the same handlers get in local mode as in AWS.
 */
import { randomBytes } from "node:crypto";
import type { WebSocketEvent, WebSocketResult } from "@livetranslate/functions/ws/events";

export type WebSocketHandler = (event: WebSocketEvent) => Promise<WebSocketResult>;

export interface GatewayRoutes {
  $connect: WebSocketHandler;
  $disconnect: WebSocketHandler;
  $default: WebSocketHandler;
  /** Routes selected by `$request.body.action`. */
  actions: Record<string, WebSocketHandler>;
}

/** Route selection expression `$request.body.action`, falling back to `$default` (a body that is not JSON too). */
export function selectRoute(routes: GatewayRoutes, body: string | undefined): { routeKey: string; handler: WebSocketHandler } {
  let action: unknown;
  try {
    action = body === undefined ? undefined : (JSON.parse(body) as { action?: unknown })?.action;
  } catch {
    action = undefined;
  }
  if (typeof action === "string" && Object.hasOwn(routes.actions, action)) return { routeKey: action, handler: routes.actions[action]! };
  return { routeKey: "$default", handler: routes.$default };
}

export interface RouteCall {
  routeKey: string;
  eventType: "CONNECT" | "MESSAGE" | "DISCONNECT";
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  stage: string;
}

/** The event's request context, as API Gateway fills it in (the message's body is added by the caller). */
export function webSocketEvent({ routeKey, eventType, connectionId, connectedAt, sourceIp, stage }: RouteCall): WebSocketEvent {
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      eventType,
      messageId: eventType === "MESSAGE" ? randomBytes(8).toString("base64url") : undefined,
      extendedRequestId: randomBytes(8).toString("base64url"),
      requestTime: new Date(now).toUTCString(),
      messageDirection: "IN" as const,
      stage,
      connectedAt,
      requestTimeEpoch: now,
      requestId: randomBytes(8).toString("base64url"),
      domainName: "localhost",
      connectionId,
      apiId: "local",
      identity: { sourceIp },
    },
    isBase64Encoded: false,
  } as unknown as WebSocketEvent;
}

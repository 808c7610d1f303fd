/**
 * Plays API Gateway's WebSocket API on one machine: gives each connection an id, turns the upgrade, each
 * message and the close into AWS-shaped events for the same handlers Lambda runs (`$connect` can refuse
 * the upgrade with its status code), selects the route by the message's `action`, and serves the
 * `@connections` management API so the same notifier adapter posts to sockets here as in AWS.
 *
 * It also holds connections to API Gateway's limits, so the apps meet them here first: a connection lasts at
 * most 2 hours and is closed after 10 minutes without a message from the client (1001 Going Away); a message
 * over 128 KB, or a frame over 32 KB, closes the connection (1009); a management post over 128 KB is refused
 * (413). The gateway sees whole messages, not frames: a message over 32 KB counts as one frame, which is what a
 * browser sends. Tests shorten the times to seconds.
 */
import { randomBytes } from "node:crypto";
import type { NodeWebSocket } from "@hono/node-ws";
import type { Hono } from "hono";
import type { WSContext } from "hono/ws";
import type { WebSocketEvent, WebSocketResult } from "@livetranslate/functions/ws/events";
import { type GatewayRoutes, type RouteCall, selectRoute, type WebSocketHandler, webSocketEvent } from "./route-events.ts";

export type { GatewayRoutes, WebSocketHandler } from "./route-events.ts";

/** API Gateway's WebSocket quotas (none can be raised). */
export interface ConnectionLimits {
  maxConnectionMs: number;
  idleTimeoutMs: number;
  maxMessageBytes: number;
  maxFrameBytes: number;
}

export const API_GATEWAY_LIMITS: ConnectionLimits = {
  maxConnectionMs: 2 * 60 * 60 * 1000,
  idleTimeoutMs: 10 * 60 * 1000,
  maxMessageBytes: 128 * 1024,
  maxFrameBytes: 32 * 1024,
};

export interface GatewayOptions {
  app: Hono;
  upgradeWebSocket: NodeWebSocket["upgradeWebSocket"];
  routes: GatewayRoutes;
  path?: string;
  stage?: string;
  /** Only management calls signed with this access key id are served (the local stand-in for IAM). */
  managementAccessKeyId: string;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
  /** API Gateway's by default. */
  limits?: Partial<ConnectionLimits>;
  /**
   * At most this many connections from one address at a time, beyond API Gateway's quotas (AWS throttles by
   * stage and route instead): on a venue's network, one client cannot take every socket. Unbounded when absent.
   */
  maxConnectionsPerAddress?: number;
  /** A connection the gateway closed for a limit (local mode logs it). */
  onLimit?: (event: { connectionId: string; limit: keyof ConnectionLimits; code: number }) => void;
  /** API Gateway's new-connections quota, when emulated: false refuses the upgrade with 429, before `$connect` runs. */
  admitConnection?: () => boolean;
  /**
   * How many of a connection's messages the handlers run at a time: 1 (the default) takes them one by one, in order;
   * more plays API Gateway, which invokes them side by side, so a burst's chunks may reach the stream out of order
   * (one process cannot play a Lambda environment per message: a few at a time, in arrival order, as a speaker's
   * uplink and Lambda's scaling spread a burst). Can be changed while running.
   */
  messageConcurrency?: number;
}

/** One call to the `@connections` management API. */
export interface ManagementCall {
  method: string;
  /** Decoded (the URL carries it encoded: ids end in "="). */
  connectionId: string;
  /** The SigV4 `authorization` header. */
  authorization: string | undefined;
  /** PostToConnection's data. */
  body: string | Uint8Array;
}

/** Its answer, as API Gateway gives it: a status, the error type header, a JSON body. */
export interface ManagementAnswer {
  statusCode: number;
  errorType?: string;
  json?: unknown;
}

/** An answer's headers and body as API Gateway sends them, over HTTP or to the in-process handler. */
export function wireOf(answer: ManagementAnswer): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = answer.errorType ? { "x-amzn-errortype": answer.errorType } : {};
  if (answer.json === undefined) return { headers };
  headers["content-type"] = "application/json";
  return { headers, body: JSON.stringify(answer.json) };
}

interface Socket {
  ws: WSContext;
  connectedAt: number;
  /** The last message from the client (GetConnection's lastActiveAt). */
  lastActiveAt: number;
  sourceIp: string;
  /** The messages of the connection being handled: one at a time, in order, unless `messageConcurrency` says more. */
  queue: Promise<unknown>;
  /** With `messageConcurrency` above 1: messages running, and those waiting for a turn (in arrival order). */
  running: number;
  turns: (() => void)[];
  /** Closes the connection at its 2-hour limit; `idle` is restarted by each client message. */
  lifetime: NodeJS.Timeout;
  idle: NodeJS.Timeout;
}

export class WebSocketGateway {
  /** See `GatewayOptions.messageConcurrency`. */
  messageConcurrency: number;
  private readonly sockets = new Map<string, Socket>();
  private readonly opened = new Set<string>();
  /** Handler invocations still running, so shutting down can wait for them. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly disconnected = new Set<string>();
  /** Connections per source address, from the upgrade's arrival to its $disconnect (or refusal). */
  private readonly perAddress = new Map<string, number>();
  private readonly stage: string;
  readonly limits: ConnectionLimits;

  constructor(private readonly options: GatewayOptions) {
    this.stage = options.stage ?? "local";
    this.messageConcurrency = options.messageConcurrency ?? 1;
    this.limits = { ...API_GATEWAY_LIMITS, ...options.limits };
    this.mountWebSocket(options.path ?? "/ws");
    this.mountManagementApi();
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Closes every socket and waits (up to `waitMs`) for the handlers still running, $disconnect included. */
  async closeAll(waitMs = 120_000): Promise<void> {
    for (const socket of this.sockets.values()) socket.ws.close(1001, "server shutting down");
    const deadline = Date.now() + waitMs;
    // Closing sockets queues their $disconnect: wait for the queue to drain, not only for what runs now.
    while ((this.inflight.size > 0 || this.sockets.size > 0) && Date.now() < deadline) {
      // With nothing in flight, still wait a tick: the sockets' close events are what this waits for.
      await Promise.race([
        ...(this.inflight.size > 0 ? [Promise.allSettled([...this.inflight])] : []),
        new Promise((r) => setTimeout(r, 50)),
      ]);
    }
  }

  private mountWebSocket(path: string): void {
    const { app, upgradeWebSocket, routes } = this.options;
    app.get(
      path,
      async (c, next) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
          return c.json({ error: { code: "bad_request", message: "this endpoint takes WebSocket connections" } }, 426);
        }
        if (this.options.admitConnection && !this.options.admitConnection()) {
          return c.json({ message: "Too Many Requests" }, 429);
        }
        const connectionId = newConnectionId();
        const sourceIp = (c.env as { incoming?: { socket?: { remoteAddress?: string } } })?.incoming?.socket?.remoteAddress ?? "127.0.0.1";
        const cap = this.options.maxConnectionsPerAddress;
        const open = this.perAddress.get(sourceIp) ?? 0;
        if (cap !== undefined && open >= cap) {
          return c.json({ error: { code: "too_many_connections", message: `at most ${cap} connections from one address at a time` } }, 429);
        }
        this.perAddress.set(sourceIp, open + 1);
        const result = await this.invoke(routes.$connect, {
          ...this.context({ routeKey: "$connect", eventType: "CONNECT", connectionId, connectedAt: Date.now(), sourceIp }),
          queryStringParameters: Object.fromEntries(new URL(c.req.url).searchParams),
          headers: Object.fromEntries(c.req.raw.headers),
        });
        if (result.statusCode < 200 || result.statusCode >= 300) {
          this.release(sourceIp);
          return new Response(result.body ?? null, { status: result.statusCode, headers: { "content-type": "application/json" } });
        }
        c.set("connectionId" as never, connectionId as never);
        c.set("sourceIp" as never, sourceIp as never);
        // A client that leaves during the handshake never opens: it still gets its $disconnect, as in AWS,
        // or its connection record would count a listener who is not there.
        const raw = (c.env as { incoming?: { socket?: NodeJS.EventEmitter } })?.incoming?.socket;
        raw?.once("close", () => {
          if (!this.opened.has(connectionId)) this.disconnect(connectionId, Date.now(), sourceIp, Promise.resolve());
        });
        await next();
      },
      upgradeWebSocket((c) => {
        const connectionId = c.get("connectionId" as never) as string;
        const sourceIp = c.get("sourceIp" as never) as string;
        return {
          onOpen: (_event, ws) => {
            this.opened.add(connectionId);
            const { maxConnectionMs, idleTimeoutMs } = this.limits;
            this.sockets.set(connectionId, {
              ws,
              connectedAt: Date.now(),
              lastActiveAt: Date.now(),
              sourceIp,
              queue: Promise.resolve(),
              running: 0,
              turns: [],
              lifetime: setTimeout(() => this.closeForLimit(connectionId, "maxConnectionMs", 1001, "Going away"), maxConnectionMs).unref(),
              idle: setTimeout(() => this.closeForLimit(connectionId, "idleTimeoutMs", 1001, "Going away"), idleTimeoutMs).unref(),
            });
          },
          onMessage: (event, _ws) => {
            const socket = this.sockets.get(connectionId);
            if (!socket) return;
            socket.idle.refresh();
            socket.lastActiveAt = Date.now();
            const size = typeof event.data === "string" ? Buffer.byteLength(event.data) : (event.data as ArrayBuffer).byteLength;
            if (size > this.limits.maxMessageBytes) return this.closeForLimit(connectionId, "maxMessageBytes", 1009, "Message too big");
            if (size > this.limits.maxFrameBytes) return this.closeForLimit(connectionId, "maxFrameBytes", 1009, "Message too big");
            const isBinary = typeof event.data !== "string";
            const body = isBinary
              ? Buffer.from(event.data as ArrayBuffer).toString("base64")
              : (event.data as string);
            const handler = selectRoute(this.options.routes, isBinary ? undefined : body);
            const invoke = () =>
              this.invoke(handler.handler, {
                ...this.context({ routeKey: handler.routeKey, eventType: "MESSAGE", connectionId, connectedAt: socket.connectedAt, sourceIp }),
                body,
                isBase64Encoded: isBinary,
              });
            // Either way `queue` settles once every message so far is handled: $disconnect comes after them.
            socket.queue = this.messageConcurrency > 1 ? Promise.all([socket.queue, this.sideBySide(socket, invoke)]) : socket.queue.then(invoke);
          },
          onClose: () => {
            const socket = this.sockets.get(connectionId);
            if (socket) {
              clearTimeout(socket.lifetime);
              clearTimeout(socket.idle);
            }
            this.sockets.delete(connectionId);
            this.disconnect(connectionId, socket?.connectedAt ?? Date.now(), sourceIp, socket?.queue ?? Promise.resolve());
          },
        };
      }),
    );
  }

  private mountManagementApi(): void {
    for (const prefix of ["", `/${this.stage}`]) {
      this.options.app.on(["POST", "GET", "DELETE"], `${prefix}/@connections/:connectionId`, async (c) => {
        const answer = this.manage({
          method: c.req.method,
          connectionId: c.req.param("connectionId"),
          authorization: c.req.header("authorization"),
          body: c.req.method === "POST" ? await c.req.text() : "",
        });
        const { headers, body } = wireOf(answer);
        return new Response(body ?? null, { status: answer.statusCode, headers });
      });
    }
  }

  /**
   * The `@connections` management API (PostToConnection, GetConnection, DeleteConnection), whether the call came
   * over HTTP or from the management client in this process (`InProcessManagementHandler`).
   */
  manage(call: ManagementCall): ManagementAnswer {
    if (!call.authorization?.includes(`Credential=${this.options.managementAccessKeyId}/`)) {
      return { statusCode: 403, json: { message: "Forbidden: management calls must be signed with local mode's credentials" } };
    }
    const socket = this.sockets.get(call.connectionId);
    const gone = { statusCode: 410, errorType: "GoneException", json: { message: `connection ${call.connectionId} is gone` } };
    switch (call.method) {
      case "POST": {
        if (!socket || socket.ws.readyState !== 1) return gone;
        const bytes = typeof call.body === "string" ? Buffer.byteLength(call.body) : call.body.byteLength;
        if (bytes > this.limits.maxMessageBytes) {
          return {
            statusCode: 413,
            errorType: "PayloadTooLargeException",
            json: { message: `the message is ${bytes} bytes; the limit is ${this.limits.maxMessageBytes}` },
          };
        }
        // A text frame, as API Gateway sends a posted message.
        socket.ws.send(typeof call.body === "string" ? call.body : Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength).toString("utf8"));
        return { statusCode: 200 };
      }
      case "DELETE":
        if (!socket) return gone;
        socket.ws.close(1000, "closed by the server");
        return { statusCode: 204 };
      case "GET":
        if (!socket) return gone;
        return {
          statusCode: 200,
          // GetConnection's documented body (camelCase on the wire).
          json: {
            connectedAt: new Date(socket.connectedAt).toISOString(),
            identity: { sourceIp: socket.sourceIp, userAgent: "" },
            lastActiveAt: new Date(socket.lastActiveAt).toISOString(),
          },
        };
      default:
        return { statusCode: 405, json: { message: `${call.method} is not a method of the @connections API` } };
    }
  }

  private closeForLimit(connectionId: string, limit: keyof ConnectionLimits, code: number, reason: string): void {
    const socket = this.sockets.get(connectionId);
    if (!socket) return;
    this.options.onLimit?.({ connectionId, limit, code });
    socket.ws.close(code, reason);
  }

  /** One connection fewer from the address. */
  private release(sourceIp: string): void {
    const open = (this.perAddress.get(sourceIp) ?? 1) - 1;
    if (open > 0) this.perAddress.set(sourceIp, open);
    else this.perAddress.delete(sourceIp);
  }

  /** `$disconnect`, once per connection, after the messages it sent were handled. */
  private disconnect(connectionId: string, connectedAt: number, sourceIp: string, after: Promise<unknown>): void {
    if (this.disconnected.has(connectionId)) return;
    this.disconnected.add(connectionId);
    this.opened.delete(connectionId);
    this.release(sourceIp);
    const done = after.then(async () => {
      await this.invoke(this.options.routes.$disconnect, this.context({ routeKey: "$disconnect", eventType: "DISCONNECT", connectionId, connectedAt, sourceIp }));
      // Ids are never reused, so the memory of having disconnected can go once the handler ran.
      setTimeout(() => this.disconnected.delete(connectionId), 60_000).unref();
    });
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  private context(call: Omit<RouteCall, "stage">): WebSocketEvent {
    return webSocketEvent({ ...call, stage: this.stage });
  }

  /** Runs `invoke` once fewer than `messageConcurrency` of the connection's messages run. */
  private async sideBySide(socket: Socket, invoke: () => Promise<WebSocketResult>): Promise<WebSocketResult> {
    while (socket.running >= this.messageConcurrency) await new Promise<void>((resolve) => socket.turns.push(resolve));
    socket.running++;
    try {
      return await invoke();
    } finally {
      socket.running--;
      socket.turns.shift()?.();
    }
  }

  private invoke(handler: WebSocketHandler, event: WebSocketEvent): Promise<WebSocketResult> {
    const running = (async () => {
      try {
        return await handler(event);
      } catch (error) {
        // A Lambda that throws answers 500 in API Gateway; the gateway itself carries on.
        this.options.onError?.(error, { routeKey: event.requestContext.routeKey, connectionId: event.requestContext.connectionId });
        return { statusCode: 500 };
      }
    })();
    this.inflight.add(running);
    void running.finally(() => this.inflight.delete(running));
    return running;
  }
}

/** API Gateway-like connection ids: 12 url-safe characters ending in '='. */
function newConnectionId(): string {
  return `${randomBytes(9).toString("base64").replace(/\//g, "_").replace(/\+/g, "-").slice(0, 11)}=`;
}

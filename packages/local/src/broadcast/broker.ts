/**
 * Local mode's broadcast transport: a real MQTT broker (Aedes) serving MQTT over WebSockets at `/mqtt`, as AWS IoT
 * Core does, so the listener app's MQTT client runs unchanged against both. Aedes's hooks stand in for IoT Core's
 * custom authorizer and the policy it returns: a connection needs a valid listener pass as its password and its
 * own client id, may subscribe only to its session's topics (core's `Broadcast.mayReceive`), and may not publish.
 *
 * The consumer publishes through the same adapter as in AWS (`IotBroadcastPublisher`, the data plane's
 * `POST /topics/{topic}`), served here over HTTP and, for the consumer in this process, by `inProcessPublish`
 * without a socket. Publishes must be signed with local mode's credentials; a payload over 128 KB gets 413, as
 * IoT Core answers.
 *
 * Each client's connect and disconnect goes to the presence handler (`onLifecycle`) as IoT Core's lifecycle event,
 * through the topic rule, would: the same event, so the same handler and core decide.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { broadcastClientId, type IotLifecycleEvent, MAX_BROADCAST_MESSAGE_BYTES } from "@livetranslate/core/adapters/aws/iot";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import type { Db } from "@livetranslate/core/domain/db";
import type { Log } from "@livetranslate/core/log";
import { type HttpHandler, type HttpRequest, HttpResponse } from "@smithy/core/protocols";
import { Aedes } from "aedes";
import { createWebSocketStream, type WebSocket, WebSocketServer } from "ws";

export interface LocalBrokerOptions {
  db: Db;
  /** `livetranslate/<stage>`: the topics' prefix, as in AWS. */
  topicPrefix: string;
  /** The key publishes must be signed with (SigV4 `Credential=<key>/`). */
  accessKeyId: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** A certificate and its key (PEM): the broker then serves WSS (and HTTPS), as local mode's own port does. */
  tls?: { cert: string; key: string };
  log: Log;
}

/** Told each time a published payload is handed to a subscriber's socket: the payload (shared by all), and when. */
export type SendObserver = (payload: Buffer, at: number) => void;

/** A data-plane call, whether it came over HTTP or from the publisher in this process. */
interface PublishCall {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  authorization: string | undefined;
  body: Uint8Array;
}

interface PublishAnswer {
  statusCode: number;
  errorType?: string;
  message?: string;
}

/** Aedes's CONNACK return code for a refused password (MQTT 3.1.1 "bad user name or password"). */
const BAD_USERNAME_OR_PASSWORD = 4;

export class LocalBroker {
  /** Messages published by the consumer (the benchmark reads it). */
  published = 0;
  private lifecycle?: (event: IotLifecycleEvent) => Promise<unknown>;
  /** Events before a handler is given (a client quick to reconnect after a restart); none once stopped. */
  private waiting: IotLifecycleEvent[] | undefined = [];
  /** When this broker started: every connection it tells of is after it, and none before it is still up. */
  readonly startedAt = Date.now();
  /** The last lifecycle event's timestamp: strictly increasing, so the order events are told in is their order. */
  private lastEventAt = this.startedAt;
  /** Each connection's `sessionIdentifier`, as IoT Core gives one per connection. */
  private readonly connections = new WeakMap<object, string>();
  /** Events the handler is still taking. */
  private readonly telling = new Set<Promise<unknown>>();
  /** The benchmark's observer of sends (`observeSends`) and the payloads it is told of; none in production. */
  private sends?: { observer: SendObserver; payloads: WeakSet<Buffer> };

  /**
   * The benchmark's view of the fan-out where the broker does it: from now on, each published payload handed to a
   * subscriber's socket (the last frame of its MQTT message) is told to `observer`, on connections made from now on.
   * Without it, connections and publishes are not touched.
   */
  observeSends(observer: SendObserver): void {
    this.sends = { observer, payloads: new WeakSet() };
  }

  /** Where clients' connect and disconnect events go (local mode's presence handler), shaped as IoT Core's. */
  onLifecycle(handler: (event: IotLifecycleEvent) => Promise<unknown>): void {
    this.lifecycle = handler;
    for (const event of this.waiting?.splice(0) ?? []) this.deliver(event);
  }

  /** Tells the handler nothing more, once it has taken what it was told: before the table it writes to goes. */
  async stopLifecycle(): Promise<void> {
    this.lifecycle = undefined;
    this.waiting = undefined;
    await Promise.allSettled([...this.telling]);
  }

  /** The key publishes must be signed with. */
  get accessKeyId(): string {
    return this.options.accessKeyId;
  }

  private constructor(
    private readonly options: LocalBrokerOptions,
    private readonly aedes: Aedes,
    private readonly server: Server,
    private readonly sockets: WebSocketServer,
  ) {}

  static async start(options: LocalBrokerOptions): Promise<LocalBroker> {
    const { db, topicPrefix, log } = options;
    /** The session of each authenticated client (by connection: a newer one with the same id replaces it). */
    const sessions = new WeakMap<object, string>();
    const aedes = await Aedes.createBroker({
      authenticate(client, _username, password, done) {
        const token = password?.toString("utf8") ?? "";
        Broadcast.authorize(db, token).then(
          (listener) => {
            if (listener && client.id === broadcastClientId(listener.listenerId)) {
              sessions.set(client, listener.sessionId);
              done(null, true);
              return;
            }
            log({ level: "info", event: "broker.refused", clientId: client.id });
            done(Object.assign(new Error("not authorized"), { returnCode: BAD_USERNAME_OR_PASSWORD }), false);
          },
          (error: unknown) => done(Object.assign(new Error(String(error)), { returnCode: 3 }), false),
        );
      },
      authorizeSubscribe(client, subscription, done) {
        const sessionId = sessions.get(client);
        if (sessionId && Broadcast.mayReceive(topicPrefix, sessionId, subscription.topic)) done(null, subscription);
        else {
          log({ level: "info", event: "broker.subscribe_refused", clientId: client.id, topic: subscription.topic });
          // Refused as IoT Core refuses it: the SUBACK says failure (0x80) and the connection stays.
          done(null, null);
        }
      },
      authorizePublish(client, _packet, done) {
        // Listeners only receive; the consumer publishes through the data plane, not as an MQTT client.
        done(client ? new Error("listeners may not publish") : null);
      },
    });
    const server = options.tls ? createHttpsServer(options.tls) : createServer();
    const sockets = new WebSocketServer({ noServer: true });
    const broker = new LocalBroker(options, aedes, server, sockets);
    aedes.on("client", (client) => broker.tell(client, "connected"));
    aedes.on("clientDisconnect", (client) => broker.tell(client, "disconnected"));
    server.on("upgrade", (request, socket, head) => {
      if (new URL(request.url ?? "/", "http://x").pathname !== "/mqtt") {
        socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
        return;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => {
        if (broker.sends) broker.watch(ws, broker.sends);
        aedes.handle(createWebSocketStream(ws), request);
      });
    });
    server.on("request", (request, response) => {
      void readBody(request).then((body) => {
        const url = new URL(request.url ?? "/", "http://x");
        const answer = broker.publish({
          method: request.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          authorization: request.headers.authorization,
          body,
        });
        response.writeHead(answer.statusCode, { "content-type": "application/json", ...(answer.errorType ? { "x-amzn-errortype": answer.errorType } : {}) });
        response.end(JSON.stringify(answer.message ? { message: answer.message } : {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
    return broker;
  }

  /** Where listeners connect: MQTT over WebSockets. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.options.tls ? "wss" : "ws"}://${this.options.host ?? "127.0.0.1"}:${port}/mqtt`;
  }

  /** The data plane's endpoint (`Publish`), for publishers outside this process. */
  get publishEndpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.options.tls ? "https" : "http"}://${this.options.host ?? "127.0.0.1"}:${port}`;
  }

  /** How many listeners are connected now. */
  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  /** The MQTT message's payload is its last write, the same buffer for every subscriber: that write is its send. */
  private watch(ws: WebSocket, sends: NonNullable<LocalBroker["sends"]>): void {
    const send = ws.send.bind(ws);
    ws.send = ((data: unknown, ...rest: never[]) => {
      (send as (...args: unknown[]) => void)(data, ...rest);
      if (Buffer.isBuffer(data) && sends.payloads.has(data)) sends.observer(data, Date.now());
    }) as WebSocket["send"];
  }

  private tell(client: { id: string }, eventType: "connected" | "disconnected"): void {
    if (!this.lifecycle && !this.waiting) return;
    if (eventType === "connected") this.connections.set(client, randomUUID());
    this.lastEventAt = Math.max(Date.now(), this.lastEventAt + 1);
    const event: IotLifecycleEvent = { clientId: client.id, timestamp: this.lastEventAt, eventType, sessionIdentifier: this.connections.get(client) ?? randomUUID(), versionNumber: 0 };
    if (this.lifecycle) this.deliver(event);
    else this.waiting?.push(event);
  }

  private deliver(event: IotLifecycleEvent): void {
    const { clientId, eventType } = event;
    const told = this.lifecycle!(event)
      .catch((error: unknown) => this.options.log({ level: "error", event: "broker.presence_failed", clientId, eventType, error: String(error) }))
      .finally(() => this.telling.delete(told));
    this.telling.add(told);
  }

  /** The data plane's `Publish` (`POST /topics/{topic}?qos=`), as IoT Core answers it. */
  publish(call: PublishCall): PublishAnswer {
    const topic = /^\/topics\/(.+)$/.exec(call.path)?.[1];
    if (call.method !== "POST" || !topic) return { statusCode: 404, errorType: "ResourceNotFoundException", message: `${call.method} ${call.path} is not the Publish API` };
    if (!call.authorization?.includes(`Credential=${this.options.accessKeyId}/`)) {
      return { statusCode: 403, errorType: "ForbiddenException", message: "publishes must be signed with local mode's credentials" };
    }
    if (call.body.byteLength > MAX_BROADCAST_MESSAGE_BYTES) {
      return { statusCode: 413, errorType: "RequestEntityTooLargeException", message: `the payload is over ${MAX_BROADCAST_MESSAGE_BYTES} bytes` };
    }
    const qos = call.query.qos === "1" ? 1 : 0;
    this.published++;
    const payload = Buffer.from(call.body);
    this.sends?.payloads.add(payload);
    this.aedes.publish({ cmd: "publish", topic: decodeURIComponent(topic), payload, qos, dup: false, retain: false }, (error) => {
      if (error) this.options.log({ level: "warn", event: "broker.publish_failed", topic, error: String(error) });
    });
    return { statusCode: 200 };
  }

  /** The data-plane client's HTTP handler for the consumer in this process: the same calls, without a socket. */
  inProcessPublish(): HttpHandler {
    const publish = (call: PublishCall) => this.publish(call);
    return {
      async handle(request: HttpRequest) {
        const answer = publish({
          method: request.method,
          path: request.path,
          query: Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0] : (v ?? undefined)])),
          authorization: request.headers.authorization ?? request.headers.Authorization,
          body: typeof request.body === "string" ? new TextEncoder().encode(request.body) : ((request.body as Uint8Array | undefined) ?? new Uint8Array()),
        });
        const body = JSON.stringify(answer.message ? { message: answer.message } : {});
        const headers: Record<string, string> = { "content-type": "application/json", ...(answer.errorType ? { "x-amzn-errortype": answer.errorType } : {}) };
        return { response: new HttpResponse({ statusCode: answer.statusCode, headers, body: Buffer.from(body) }) };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
      destroy() {},
    } as HttpHandler;
  }

  async close(): Promise<void> {
    await this.stopLifecycle();
    for (const ws of this.sockets.clients) ws.terminate();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(request: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

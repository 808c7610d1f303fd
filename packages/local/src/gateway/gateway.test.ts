/**
 * The local gateway holds connections to API Gateway's quotas, shortened here to seconds: a connection
 * idle too long or open too long is closed (1001), an oversized message closes its connection (1009), an
 * oversized management post is refused (413); each closed connection gets its `$disconnect`, and every other
 * connection carries on.
 */
import { get as httpGet } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { scaledTimeout } from "@livetranslate/testing/calibration";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { GetConnectionCommand, type ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayNotifier, createManagementClient } from "@livetranslate/core/adapters/aws/connections";
import { InProcessManagementHandler } from "./in-process-management.ts";
import { type ConnectionLimits, WebSocketGateway } from "./index.ts";

const KEY = "localtestkey";

async function startGateway(limits: Partial<ConnectionLimits>, maxConnectionsPerAddress?: number) {
  const app = new Hono();
  const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
  const events: { routeKey: string; connectionId: string; body?: string }[] = [];
  const limited: { connectionId: string; limit: string; code: number }[] = [];
  const record = async (event: { requestContext: { routeKey: string; connectionId: string }; body?: string }) => {
    events.push({ routeKey: event.requestContext.routeKey, connectionId: event.requestContext.connectionId, body: event.body });
    return { statusCode: 200 };
  };
  const gateway = new WebSocketGateway({
    app,
    upgradeWebSocket,
    managementAccessKeyId: KEY,
    routes: { $connect: record, $disconnect: record, $default: record, actions: { ping: record } } as never,
    limits,
    maxConnectionsPerAddress,
    onLimit: (event) => limited.push(event),
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  injectWebSocket(server);
  const port = (server.address() as AddressInfo).port;
  return {
    gateway,
    events,
    limited,
    url: `http://127.0.0.1:${port}`,
    connect: () =>
      new Promise<{ socket: WebSocket; id: () => string | undefined; closed: Promise<{ code: number; reason: string }> }>((resolve, reject) => {
        const before = new Set(events.filter((e) => e.routeKey === "$connect").map((e) => e.connectionId));
        const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        const closed = new Promise<{ code: number; reason: string }>((r) => socket.once("close", (code, reason) => r({ code, reason: reason.toString() })));
        const id = () => events.find((e) => e.routeKey === "$connect" && !before.has(e.connectionId))?.connectionId;
        socket.once("open", () => resolve({ socket, id, closed }));
        socket.once("error", reject);
      }),
    close: async () => {
      await gateway.closeAll(5_000);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const disconnected = (events: { routeKey: string; connectionId: string }[], id: string | undefined) =>
  events.some((e) => e.routeKey === "$disconnect" && e.connectionId === id);

describe("the local gateway keeps API Gateway's quotas", () => {
  describe("connection times", () => {
    const idleMs = scaledTimeout(1_500);
    let g: Awaited<ReturnType<typeof startGateway>>;
    beforeAll(async () => {
      g = await startGateway({ idleTimeoutMs: idleMs, maxConnectionMs: idleMs * 4 });
    });
    afterAll(() => g.close());

    it("closes a connection that sends nothing for the idle timeout, and keeps one that sends", async () => {
      const quiet = await g.connect();
      const talking = await g.connect();
      const keepAlive = setInterval(() => talking.socket.send(JSON.stringify({ action: "ping" })), idleMs / 5);
      try {
        expect(await quiet.closed).toEqual({ code: 1001, reason: "Going away" });
        expect(talking.socket.readyState).toBe(WebSocket.OPEN);
        await expect.poll(() => disconnected(g.events, quiet.id())).toBe(true);
        expect(g.limited).toContainEqual({ connectionId: quiet.id(), limit: "idleTimeoutMs", code: 1001 });

        // However much it sends, a connection ends at the connection-duration limit.
        expect(await talking.closed).toEqual({ code: 1001, reason: "Going away" });
        expect(g.limited).toContainEqual({ connectionId: talking.id(), limit: "maxConnectionMs", code: 1001 });
        expect(g.events.filter((e) => e.routeKey === "ping" && e.connectionId === talking.id()).length).toBeGreaterThan(5);
        await expect.poll(() => disconnected(g.events, talking.id())).toBe(true);
      } finally {
        clearInterval(keepAlive);
      }
    });
  });

  describe("sizes", () => {
    let g: Awaited<ReturnType<typeof startGateway>>;
    beforeAll(async () => {
      g = await startGateway({});
    });
    afterAll(() => g.close());

    it("closes a connection that sends a frame over 32 KB or a message over 128 KB (1009); others carry on", async () => {
      const other = await g.connect();
      const big = await g.connect();
      big.socket.send(JSON.stringify({ action: "ping", pad: "x".repeat(33 * 1024) }));
      expect(await big.closed).toEqual({ code: 1009, reason: "Message too big" });
      expect(g.limited).toContainEqual({ connectionId: big.id(), limit: "maxFrameBytes", code: 1009 });
      expect(g.events.some((e) => e.connectionId === big.id() && e.routeKey === "ping")).toBe(false);
      await expect.poll(() => disconnected(g.events, big.id())).toBe(true);

      const huge = await g.connect();
      huge.socket.send("y".repeat(129 * 1024));
      expect(await huge.closed).toMatchObject({ code: 1009 });
      expect(g.limited).toContainEqual({ connectionId: huge.id(), limit: "maxMessageBytes", code: 1009 });

      // A message just under the frame limit goes through, and the other connection never noticed.
      other.socket.send(JSON.stringify({ action: "ping", pad: "z".repeat(31 * 1024) }));
      await expect.poll(() => g.events.some((e) => e.connectionId === other.id() && e.routeKey === "ping")).toBe(true);
      expect(other.socket.readyState).toBe(WebSocket.OPEN);
      other.socket.close();
    });

    it("refuses a management post over 128 KB with 413, and delivers one under it", async () => {
      const listener = await g.connect();
      const received: string[] = [];
      listener.socket.on("message", (data) => received.push(data.toString()));
      const post = (body: string) =>
        fetch(`${g.url}/@connections/${encodeURIComponent(listener.id()!)}`, {
          method: "POST",
          body,
          headers: { authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20261126/local/execute-api/aws4_request` },
        });
      const tooLarge = await post("a".repeat(129 * 1024));
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get("x-amzn-errortype")).toBe("PayloadTooLargeException");
      expect((await post("fits")).status).toBe(200);
      await expect.poll(() => received).toEqual(["fits"]);
      expect(listener.socket.readyState).toBe(WebSocket.OPEN);
      listener.socket.close();
    });
  });

  describe("the @connections API, over HTTP and in process alike", () => {
    let g: Awaited<ReturnType<typeof startGateway>>;
    beforeAll(async () => {
      g = await startGateway({});
    });
    afterAll(() => g.close());

    const clients = (accessKeyId: string): [string, ApiGatewayManagementApiClient][] => {
      const credentials = { accessKeyId, secretAccessKey: "local" };
      const inProcess = new InProcessManagementHandler();
      inProcess.attach(g.gateway);
      return [
        ["over HTTP", createManagementClient(g.url, { credentials })],
        ["in process", createManagementClient(g.url, { credentials, requestHandler: inProcess })],
      ];
    };

    it.each([0, 1])("posts text frames, answers 410 for a gone connection, 413 for an oversized post, 403 unsigned (%i)", async (which) => {
      const [, client] = clients(KEY)[which]!;
      const notifier = new ApiGatewayNotifier({ client });
      const listener = await g.connect();
      const received: { text: string; binary: boolean }[] = [];
      listener.socket.on("message", (data, binary) => received.push({ text: data.toString(), binary }));

      expect(await notifier.post(listener.id()!, { type: "error", code: "bad_request", message: "é ✓" } as never)).toBe("delivered");
      await expect.poll(() => received).toEqual([{ text: JSON.stringify({ type: "error", code: "bad_request", message: "é ✓" }), binary: false }]);
      const connection = await client.send(new GetConnectionCommand({ ConnectionId: listener.id()! }));
      expect(connection.Identity?.SourceIp).toBe("127.0.0.1");
      expect(connection.ConnectedAt).toBeInstanceOf(Date);
      await expect(notifier.post(listener.id()!, { type: "error", message: "a".repeat(129 * 1024) } as never)).rejects.toMatchObject({
        name: "PayloadTooLargeException",
      });
      const [, stranger] = clients("someoneelse")[which]!;
      await expect(new ApiGatewayNotifier({ client: stranger }).post(listener.id()!, { type: "error" } as never)).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });

      await notifier.disconnect(listener.id()!);
      expect((await listener.closed).code).toBe(1000);
      expect(await notifier.post(listener.id()!, { type: "error" } as never)).toBe("gone");
      expect(received).toHaveLength(1);
    });
  });
});

describe("the local gateway bounds connections per address", () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway({}, 2);
  });
  afterAll(() => g.close());

  it("refuses one more than the cap with 429, and takes one again once a connection has left", async () => {
    // Prepare
    const first = await g.connect();
    const second = await g.connect();
    // Act
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpGet(`${g.url}/ws`, { headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      request.once("upgrade", () => reject(new Error("a third connection from one address was accepted")));
      request.once("error", reject);
    });
    // Assess
    expect(refused.status).toBe(429);
    first.socket.close();
    await first.closed;
    await expect.poll(() => disconnected(g.events, first.id()), { timeout: scaledTimeout(5_000) }).toBe(true);
    const third = await g.connect();
    third.socket.close();
    second.socket.close();
  });
});

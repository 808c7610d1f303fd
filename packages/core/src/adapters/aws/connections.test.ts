import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createManagementClient } from "./clients.ts";
import { expectDeclaredCalls, guardDeclaredCalls } from "@livetranslate/testing/iam";
import { ApiGatewayNotifier } from "./connections.ts";

/** The @connections API as API Gateway serves it: 200 for a live connection, 410 for one that left. */
function connectionsApi() {
  const received: { method: string; path: string; id: string; body: string; signed: boolean }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const path = req.url!.split("?")[0]!;
      const id = decodeURIComponent(path.split("/@connections/")[1] ?? "");
      received.push({ method: req.method!, path, id, body, signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? "") });
      if (id.startsWith("gone")) {
        res.writeHead(410, { "content-type": "application/json", "x-amzn-errortype": "GoneException" });
        res.end(JSON.stringify({ message: "Gone" }));
      } else {
        res.writeHead(req.method === "DELETE" ? 204 : 200);
        res.end();
      }
    });
  });
  return { server, received };
}

describe("ApiGatewayNotifier against an emulated @connections API", () => {
  const api = connectionsApi();
  let notifier: ApiGatewayNotifier;
  beforeAll(async () => {
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    const { port } = api.server.address() as AddressInfo;
    notifier = new ApiGatewayNotifier({
      client: guardDeclaredCalls(createManagementClient(`http://127.0.0.1:${port}/local`), ApiGatewayNotifier.iamActions),
    });
  });
  afterAll(() => new Promise<void>((resolve) => api.server.close(() => resolve())));

  it("posts the message as JSON to the connection, signed", async () => {
    // Prepare
    const message = { type: "translation", sessionId: "a-b-1", segmentId: "seg-1", sequenceNumber: 1, targetLanguage: "es", text: "¿Hola?" } as const;
    // Act
    const delivery = await notifier.post("abc=", message);
    // Assess
    expect(delivery).toBe("delivered");
    const request = api.received.at(-1)!;
    expect(request).toMatchObject({ method: "POST", path: "/local/@connections/abc%3D", id: "abc=", signed: true });
    expect(JSON.parse(request.body)).toEqual(message);
  });

  it("reports a connection that has gone (410) instead of failing", async () => {
    // Act
    const delivery = await notifier.post("gone1=", { type: "pong" });
    // Assess
    expect(delivery).toBe("gone");
  });

  it("disconnects, and a connection already gone is fine", async () => {
    // Act
    await notifier.disconnect("abc=");
    await notifier.disconnect("gone2=");
    // Assess
    expect(api.received.filter((r) => r.method === "DELETE").map((r) => r.id)).toEqual(["abc=", "gone2="]);
  });
});

describe("ApiGatewayNotifier errors (mocked SDK)", () => {
  const client = new ApiGatewayManagementApiClient({ region: "us-east-1" });
  const mock = mockClient(client);
  afterEach(() => mock.reset());
  expectDeclaredCalls(mock, ApiGatewayNotifier.iamActions);
  afterAll(() => mock.restore());
  const notifier = () => new ApiGatewayNotifier({ client });

  it("maps the SDK's GoneException to gone, on post and on disconnect", async () => {
    // Prepare
    mock.on(PostToConnectionCommand).rejects(new GoneException({ message: "Gone", $metadata: { httpStatusCode: 410 } }));
    mock.on(DeleteConnectionCommand).rejects(new GoneException({ message: "Gone", $metadata: { httpStatusCode: 410 } }));
    // Act
    const delivery = await notifier().post("x", { type: "pong" });
    const disconnecting = notifier().disconnect("x");
    // Assess
    expect(delivery).toBe("gone");
    await expect(disconnecting).resolves.toBeUndefined();
    expect(mock.commandCalls(PostToConnectionCommand)[0]!.args[0].input).toMatchObject({ ConnectionId: "x" });
  });

  it("knows a 410 by name or status too, as a second copy of the SDK or an unmodelled error reports it", async () => {
    // Prepare
    mock.on(PostToConnectionCommand, { ConnectionId: "by-name" }).rejects(Object.assign(new Error("Gone"), { name: "GoneException" }));
    mock
      .on(PostToConnectionCommand, { ConnectionId: "by-status" })
      .rejects(Object.assign(new Error("UnknownError"), { name: "Unknown", $metadata: { httpStatusCode: 410 } }));
    // Act
    const deliveries = [await notifier().post("by-name", { type: "pong" }), await notifier().post("by-status", { type: "pong" })];
    // Assess
    expect(deliveries).toEqual(["gone", "gone"]);
  });

  it("lets every other error through", async () => {
    // Prepare
    mock.on(PostToConnectionCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "LimitExceededException" }));
    mock.on(DeleteConnectionCommand).rejects(Object.assign(new Error("Forbidden"), { name: "ForbiddenException" }));
    // Act
    const posting = notifier().post("y", { type: "pong" });
    const disconnecting = notifier().disconnect("y");
    // Assess
    await expect(posting).rejects.toThrow(/Rate exceeded/);
    await expect(disconnecting).rejects.toThrow(/Forbidden/);
  });
});

describe("createManagementClient", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("signs with throwaway credentials only for a local endpoint", async () => {
    // Prepare
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEROLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_REGION", "eu-west-1");
    const accessKey = async (endpoint: string) => (await createManagementClient(endpoint).config.credentials()).accessKeyId;
    // Act
    const local = await accessKey("http://127.0.0.1:8787");
    const aws = await accessKey("https://abc123.execute-api.eu-west-1.amazonaws.com/production");
    const customDomain = await accessKey("https://realtime.example.org");
    // Assess
    expect(local).toBe("local");
    expect(aws).toBe("AKIAFROMTHEROLE");
    expect(customDomain).toBe("AKIAFROMTHEROLE");
  });
});

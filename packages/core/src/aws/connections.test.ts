import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagementClient } from "./clients.ts";
import { ApiGatewayNotifier } from "./connections.ts";

/** The @connections API as API Gateway serves it: 200 for a live connection, 410 for one that left. */
function connectionsApi() {
  const received: { method: string; id: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const id = decodeURIComponent(req.url!.split("/@connections/")[1] ?? "");
      received.push({ method: req.method!, id, body });
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

describe("ApiGatewayNotifier", () => {
  const api = connectionsApi();
  let notifier: ApiGatewayNotifier;
  beforeAll(async () => {
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    const { port } = (api.server as Server).address() as AddressInfo;
    notifier = new ApiGatewayNotifier({ client: createManagementClient(`http://127.0.0.1:${port}`) });
  });
  afterAll(() => new Promise<void>((resolve) => api.server.close(() => resolve())));

  it("posts the message as JSON to the connection", async () => {
    expect(await notifier.post("abc=", { type: "pong" })).toBe("delivered");
    expect(api.received.at(-1)).toEqual({ method: "POST", id: "abc=", body: '{"type":"pong"}' });
  });

  it("reports a connection that has gone (410) instead of failing", async () => {
    expect(await notifier.post("gone1=", { type: "pong" })).toBe("gone");
  });

  it("disconnects, and a connection already gone is fine", async () => {
    await notifier.disconnect("abc=");
    await notifier.disconnect("gone2=");
    expect(api.received.filter((r) => r.method === "DELETE").map((r) => r.id)).toEqual(["abc=", "gone2="]);
  });

  it("maps the SDK's GoneException, and lets other errors through", async () => {
    const mock = mockClient(ApiGatewayManagementApiClient);
    mock.on(PostToConnectionCommand, { ConnectionId: "x" }).rejects(new GoneException({ message: "Gone", $metadata: {} }));
    mock.on(PostToConnectionCommand, { ConnectionId: "y" }).rejects(Object.assign(new Error("Rate exceeded"), { name: "LimitExceededException" }));
    const mocked = new ApiGatewayNotifier({ client: new ApiGatewayManagementApiClient({ region: "us-east-1" }) });
    expect(await mocked.post("x", { type: "pong" })).toBe("gone");
    await expect(mocked.post("y", { type: "pong" })).rejects.toThrow(/Rate exceeded/);
    mock.restore();
  });
});

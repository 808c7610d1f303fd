import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { IoTDataPlaneClient, PublishCommand, ThrottlingException } from "@aws-sdk/client-iot-data-plane";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ServerMessage } from "../../protocol/index.ts";
import { expectDeclaredCalls } from "@livetranslate/testing/iam";
import { createBroadcastClient } from "./clients.ts";
import { IotBroadcastPublisher, IotLifecycleEvent, listenerAuthorization, passOf, presenceEventOf } from "./iot.ts";

const PART: ServerMessage = {
  type: "part",
  sessionId: "brave-fox-1",
  segmentId: "brave-fox-1-00003",
  sequenceNumber: 3,
  part: 0,
  lastPart: true,
  language: "en",
  text: "hello",
  startMs: 0,
  endMs: 900,
  targetLanguage: "es",
  translation: "hola",
};

describe("IotBroadcastPublisher (aws-sdk-client-mock)", () => {
  const iot = mockClient(IoTDataPlaneClient);
  expectDeclaredCalls(iot, IotBroadcastPublisher.iamActions);
  beforeEach(() => iot.reset());
  // mockClient takes over every instance of the class: the wire test below needs the real one back.
  afterAll(() => iot.restore());
  const publisher = () => new IotBroadcastPublisher({ client: new IoTDataPlaneClient({ region: "eu-west-1" }), topicPrefix: "livetranslate/prod" });

  it("publishes the message as JSON, QoS 1, to the session's language topic", async () => {
    // Prepare
    iot.on(PublishCommand).resolves({ $metadata: { httpStatusCode: 200 } });
    // Act
    await publisher().publish({ sessionId: "brave-fox-1", language: "es" }, PART);
    // Assess
    const [call] = iot.commandCalls(PublishCommand);
    expect(call!.args[0].input).toMatchObject({ topic: "livetranslate/prod/session/brave-fox-1/es", qos: 1, contentType: "application/json" });
    expect(JSON.parse(new TextDecoder().decode(call!.args[0].input.payload as Uint8Array))).toEqual(PART);
  });

  it("lets a throttled publish fail, so the part's delivery is retried", async () => {
    // Prepare
    iot.on(PublishCommand).rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }));
    // Act / Assess
    await expect(publisher().publish({ sessionId: "brave-fox-1", language: "es" }, PART)).rejects.toMatchObject({ name: "ThrottlingException" });
  });

  it("refuses a message over IoT Core's 128 KB before sending it", async () => {
    // Act / Assess
    await expect(publisher().publish({ sessionId: "brave-fox-1", language: "es" }, { ...PART, text: "x".repeat(130 * 1024) })).rejects.toThrow(/over IoT Core's 131072 bytes/);
    expect(iot.calls()).toEqual([]);
  });
});

describe("IotBroadcastPublisher on the wire", () => {
  const received: { method: string; url: string; body: string; signed: boolean }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ method: req.method!, url: req.url!, body, signed: /^AWS4-HMAC-SHA256 Credential=local\//.test(req.headers.authorization ?? "") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the data plane's documented request: POST /topics/{topic}?qos=1, signed, the payload as the body", async () => {
    // Prepare
    const { port } = server.address() as AddressInfo;
    const publisher = new IotBroadcastPublisher({ client: createBroadcastClient(`http://127.0.0.1:${port}`), topicPrefix: "livetranslate/dev" });
    // Act
    await publisher.publish({ sessionId: "brave-fox-1", language: "es" }, PART);
    // Assess
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe("POST");
    const url = new URL(request!.url, "http://x");
    expect(decodeURIComponent(url.pathname)).toBe("/topics/livetranslate/dev/session/brave-fox-1/es");
    expect(url.searchParams.get("qos")).toBe("1");
    expect(request!.signed).toBe(true);
    expect(JSON.parse(request!.body)).toEqual(PART);
  });
});

describe("the listeners' custom authorizer answer", () => {
  const where = { partition: "aws", region: "eu-west-1", accountId: "123456789012", topicPrefix: "livetranslate/prod" };

  it("lets a listener connect as its own client and subscribe to and receive its session's topics only, never publish", () => {
    // Act
    const answer = listenerAuthorization({ listenerId: "abc-DEF_1", sessionId: "brave-fox-1" }, where);
    // Assess: the shape IoT Core documents for a custom authorizer's response.
    expect(answer).toEqual({
      isAuthenticated: true,
      principalId: "abcDEF1",
      disconnectAfterInSeconds: 86400,
      refreshAfterInSeconds: 300,
      policyDocuments: [
        {
          Version: "2012-10-17",
          Statement: [
            { Action: "iot:Connect", Effect: "Allow", Resource: "arn:aws:iot:eu-west-1:123456789012:client/lt-abc-DEF_1" },
            { Action: "iot:Subscribe", Effect: "Allow", Resource: "arn:aws:iot:eu-west-1:123456789012:topicfilter/livetranslate/prod/session/brave-fox-1/*" },
            { Action: "iot:Receive", Effect: "Allow", Resource: "arn:aws:iot:eu-west-1:123456789012:topic/livetranslate/prod/session/brave-fox-1/*" },
          ],
        },
      ],
    });
    expect(JSON.stringify(answer)).not.toContain("iot:Publish");
  });

  it("refuses a connection without a valid pass", () => {
    expect(listenerAuthorization(undefined, where)).toMatchObject({ isAuthenticated: false, policyDocuments: [] });
  });

  it("reads the pass from the MQTT password, base64 as IoT Core hands it over", () => {
    expect(passOf({ protocolData: { mqtt: { username: "x", password: Buffer.from("id.secret").toString("base64"), clientId: "lt-id" } } })).toBe("id.secret");
    expect(passOf({})).toBe("");
  });
});

describe("IoT Core's lifecycle events as presence", () => {
  const documented = {
    clientId: "lt-abc-DEF_1",
    timestamp: 1573002340451,
    eventType: "disconnected",
    sessionIdentifier: "a4666d2a7d844ae4ac5d7b38c9cb7967",
    principalIdentifier: "12345678901234567890123456789012",
    clientInitiatedDisconnect: true,
    disconnectReason: "CLIENT_INITIATED_DISCONNECT",
    versionNumber: 2,
  };

  it("reads a listener's event: who, connected or not, when and in which order", () => {
    expect(presenceEventOf(IotLifecycleEvent.parse(documented))).toEqual({ listenerId: "abc-DEF_1", connected: false, at: 1573002340451, version: 2, replaced: false });
    expect(presenceEventOf(IotLifecycleEvent.parse({ ...documented, disconnectReason: "DUPLICATE_CLIENTID" }))).toMatchObject({ replaced: true });
  });

  it("leaves other clients of the account's broker alone", () => {
    expect(presenceEventOf(IotLifecycleEvent.parse({ ...documented, clientId: "thermostat-7" }))).toBeUndefined();
    expect(presenceEventOf(IotLifecycleEvent.parse({ ...documented, clientId: "lt-" }))).toBeUndefined();
  });
});

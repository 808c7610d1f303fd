/**
 * The local broker against a real MQTT client (mqtt.js, as the listener app uses it) and the real publisher adapter:
 * who may connect, subscribe and publish, and that a publish reaches its channel's subscribers only.
 */
import { broadcastClientId, createBroadcastClient, IotBroadcastPublisher } from "@livetranslate/core/adapters/aws/iot";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import type { ServerMessage } from "@livetranslate/core/protocol";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import type { Db } from "@livetranslate/core/domain/db";
import { Session } from "@livetranslate/core/domain/session";
import { memoryLog } from "@livetranslate/core/log";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalBroker } from "./broker.ts";

const PREFIX = "livetranslate/local";
const ended = (sessionId: string): ServerMessage => ({ type: "sessionEnded", sessionId });

describe("LocalBroker", () => {
  let dynamo: TestTable;
  let db: Db;
  let broker: LocalBroker;
  let one: { sessionId: string };
  let two: { sessionId: string };
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dynamo = await startTestTable("broker");
    db = dynamo.db;
    broker = await LocalBroker.start({ db, topicPrefix: PREFIX, accessKeyId: "local-publisher", log: memoryLog() });
    one = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    two = await Session.create(db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await broker.close();
    await dynamo.close();
  });

  const publisher = (accessKeyId = "local-publisher") =>
    new IotBroadcastPublisher({ client: createBroadcastClient(broker.publishEndpoint, { credentials: { accessKeyId, secretAccessKey: "x" } }), topicPrefix: PREFIX });
  const inProcessPublisher = () =>
    new IotBroadcastPublisher({
      client: createBroadcastClient(broker.publishEndpoint, { credentials: { accessKeyId: "local-publisher", secretAccessKey: "x" }, requestHandler: broker.inProcessPublish() }),
      topicPrefix: PREFIX,
    });

  /** A listener of `sessionId` connected with its pass, collecting what it receives. */
  async function listener(sessionId: string, language = "es", to: LocalBroker = broker) {
    const pass = await Broadcast.join(db, { sessionId, language });
    const client = await mqtt.connectAsync(to.url, { clientId: broadcastClientId(pass.listenerId), username: "listener", password: pass.token, reconnectPeriod: 0 });
    clients.push(client);
    const received: { topic: string; message: ServerMessage }[] = [];
    client.on("message", (topic, payload) => received.push({ topic, message: JSON.parse(payload.toString()) as ServerMessage }));
    return { client, pass, received };
  }

  /** Waits until `predicate` holds, as messages arrive (no timing: the test's timeout bounds it). */
  async function until(predicate: () => boolean) {
    while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it("delivers one publish to every subscriber of the channel, over HTTP and in process alike, and to nobody else", async () => {
    // Prepare
    const a = await listener(one.sessionId);
    const b = await listener(one.sessionId);
    const fr = await listener(one.sessionId, "fr");
    const other = await listener(two.sessionId);
    const topic = Broadcast.topic(PREFIX, one.sessionId, "es");
    expect((await a.client.subscribeAsync(topic, { qos: 1 }))[0]!.qos).toBe(1);
    await b.client.subscribeAsync(topic, { qos: 1 });
    await fr.client.subscribeAsync(Broadcast.topic(PREFIX, one.sessionId, "fr"), { qos: 1 });
    await other.client.subscribeAsync(Broadcast.topic(PREFIX, two.sessionId, "es"), { qos: 1 });
    const before = broker.published;
    // Act
    await publisher().publish({ sessionId: one.sessionId, language: "es" }, ended(one.sessionId));
    await inProcessPublisher().publish({ sessionId: one.sessionId, language: "es" }, ended("second"));
    await until(() => a.received.length === 2 && b.received.length === 2);
    await publisher().publish({ sessionId: two.sessionId, language: "es" }, ended(two.sessionId));
    await until(() => other.received.length === 1);
    // Assess
    expect(a.received).toEqual([
      { topic, message: ended(one.sessionId) },
      { topic, message: ended("second") },
    ]);
    expect(b.received).toEqual(a.received);
    expect(fr.received).toEqual([]);
    expect(other.received.map((r) => r.message)).toEqual([ended(two.sessionId)]);
    expect(broker.published - before).toBe(3);
  });

  it("refuses a subscription to another session's topics or to everything, and keeps the connection", async () => {
    // Prepare
    const a = await listener(one.sessionId);
    // Act
    const refused = await a.client
      .subscribeAsync([Broadcast.topic(PREFIX, two.sessionId, "es"), `${PREFIX}/#`, "#", `${PREFIX}/session/${one.sessionId}/+`], { qos: 1 })
      .catch((error: { packet?: { granted?: number[] } }) => error);
    // Assess: 128 is MQTT's "failure" in a SUBACK (mqtt.js rejects a SUBACK that holds one).
    expect((refused as { packet?: { granted?: number[] } }).packet?.granted).toEqual([128, 128, 128, 1]);
    expect(a.client.connected).toBe(true);
  });

  it("refuses a connection without a valid pass, or under another listener's client id", async () => {
    // Prepare
    const pass = await Broadcast.join(db, { sessionId: one.sessionId, language: "es" });
    const connect = (clientId: string, password: string) => mqtt.connectAsync(broker.url, { clientId, username: "listener", password, reconnectPeriod: 0 });
    // Act / Assess
    await expect(connect(broadcastClientId(pass.listenerId), `${pass.listenerId}.wrong`)).rejects.toThrow(/Bad username or password/);
    await expect(connect("lt-someone-else", pass.token)).rejects.toThrow(/Bad username or password/);
    await expect(connect(broadcastClientId(pass.listenerId), "")).rejects.toThrow(/Bad username or password/);
  });

  it("lets no listener publish: its publish reaches nobody and it is disconnected", async () => {
    // Prepare
    const a = await listener(one.sessionId);
    const b = await listener(one.sessionId);
    const topic = Broadcast.topic(PREFIX, one.sessionId, "es");
    await b.client.subscribeAsync(topic, { qos: 1 });
    const closed = new Promise<void>((resolve) => a.client.once("close", () => resolve()));
    // Act
    a.client.publish(topic, JSON.stringify(ended("forged")), { qos: 0 });
    await closed;
    await publisher().publish({ sessionId: one.sessionId, language: "es" }, ended("real"));
    await until(() => b.received.length > 0);
    // Assess: b got the consumer's message and never the forged one.
    expect(b.received.map((r) => r.message)).toEqual([ended("real")]);
  });

  it("answers an unsigned or foreign publish 403 and an oversized one 413, as IoT Core does", async () => {
    await expect(publisher("someone-else").publish({ sessionId: one.sessionId, language: "es" }, ended(one.sessionId))).rejects.toMatchObject({
      name: "ForbiddenException",
      $metadata: { httpStatusCode: 403 },
    });
    const answer = broker.publish({ method: "POST", path: "/topics/x", query: {}, authorization: "AWS4-HMAC-SHA256 Credential=local-publisher/x", body: new Uint8Array(129 * 1024) });
    expect(answer).toMatchObject({ statusCode: 413, errorType: "RequestEntityTooLargeException" });
  });

  it("tells an observer of sends each payload handed to each subscriber's socket, and only those", async () => {
    // Prepare: a broker of its own, observed before its listeners connect; one listener connected before.
    const observed = await LocalBroker.start({ db, topicPrefix: PREFIX, accessKeyId: "local-publisher", log: memoryLog() });
    try {
      const topic = Broadcast.topic(PREFIX, one.sessionId, "es");
      const unseen = await listener(one.sessionId, "es", observed);
      const sends: [string, number][] = [];
      observed.observeSends((payload, at) => sends.push([payload.toString(), at]));
      const a = await listener(one.sessionId, "es", observed);
      const b = await listener(one.sessionId, "es", observed);
      const fr = await listener(one.sessionId, "fr", observed);
      for (const l of [unseen, a, b]) await l.client.subscribeAsync(topic, { qos: 1 });
      await fr.client.subscribeAsync(Broadcast.topic(PREFIX, one.sessionId, "fr"), { qos: 1 });
      const publish = (message: ServerMessage) =>
        observed.publish({ method: "POST", path: `/topics/${encodeURIComponent(topic)}`, query: { qos: "1" }, authorization: "AWS4-HMAC-SHA256 Credential=local-publisher/x", body: Buffer.from(JSON.stringify(message)) });
      const before = Date.now();
      // Act
      publish(ended("observed"));
      await until(() => a.received.length === 1 && b.received.length === 1 && unseen.received.length === 1);
      // Assess: one send per observed subscriber (the listener connected before is not watched), none to French.
      expect(sends.map(([payload]) => JSON.parse(payload) as ServerMessage)).toEqual([ended("observed"), ended("observed")]);
      for (const [, at] of sends) expect(at).toBeGreaterThanOrEqual(before);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await observed.close();
    }
  });
});

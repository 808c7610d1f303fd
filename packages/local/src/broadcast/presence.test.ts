/**
 * Local mode's presence of listeners by broadcast: the broker's connect and disconnect go to the presence function,
 * as IoT Core's lifecycle events through the topic rule do. A real MQTT client (mqtt.js, as the app) joins over the
 * HTTP API, connects, disconnects and reconnects; the session's counts follow.
 */
import { broadcastClientId } from "@livetranslate/core/adapters/aws/iot";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { memoryLog } from "@livetranslate/core/log";
import type { SessionView } from "@livetranslate/core/protocol";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BroadcastClient } from "../testing/broadcast-client.ts";
import { type LocalMode, startLocal } from "../server.ts";

describe("local mode: presence from the broker's connect and disconnect", () => {
  let local: LocalMode;
  let sessionId: string;
  const log = memoryLog();
  beforeAll(async () => {
    local = await startLocal({ port: 0, log });
    const created = await fetch(`${local.url}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sourceLanguage: "en", targetLanguages: ["es", "fr"] }) });
    sessionId = ((await created.json()) as { sessionId: string }).sessionId;
  });
  afterAll(() => local?.close());

  const counts = async () => ((await (await fetch(`${local.url}/sessions/${sessionId}`)).json()) as SessionView).listeners;
  /** Waits until the session's counts are `expected` (no timing: the test's timeout bounds it). */
  async function countsBecome(expected: Record<string, number>) {
    const sorted = (c: Record<string, number>) => JSON.stringify(Object.entries(c).sort());
    while (sorted(await counts()) !== sorted(expected)) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it("counts a listener while its MQTT client is connected: a disconnect releases it at once, a reconnect with its pass counts it again", async () => {
    // Prepare
    const listener = await BroadcastClient.join(local.url, sessionId, "es");
    const other = await BroadcastClient.join(local.url, sessionId, "fr");
    await countsBecome({ es: 1, fr: 1 });
    const record = async () => (await Broadcast.authorize(local.adapters.db, listener.pass.token))!;
    while ((await record()).presence !== "connected") await new Promise((resolve) => setTimeout(resolve, 20));
    // Act: the client goes (a closed tab sends nothing else: no DELETE, no renewal).
    await listener.close();
    // Assess
    await countsBecome({ fr: 1 });
    expect(await Broadcast.present(local.adapters.db, sessionId, Date.now() + Broadcast.PRESENCE_READ_REUSE_MS)).toEqual(new Map([["fr", [other.pass.listenerId]]]));
    // Act: back with the same pass (the network came back).
    const again = await mqtt.connectAsync(listener.pass.broker.url, {
      clientId: broadcastClientId(listener.pass.listenerId),
      username: "listener",
      password: listener.pass.token,
      reconnectPeriod: 0,
    });
    // Assess
    await countsBecome({ es: 1, fr: 1 });
    expect(log.entries.filter((e) => e.event === "broker.presence_failed")).toEqual([]);
    await again.endAsync(true);
    await other.close();
    await countsBecome({});
  });
});

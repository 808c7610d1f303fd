import { Admission } from "@livetranslate/core/domain/admission";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { Session } from "@livetranslate/core/domain/session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../testing/harness.ts";

describe("listeners' presence from the broker's lifecycle events (IoT topic rule on $aws/events/presence/+/+)", () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const T0 = Date.now();
  /** The event as AWS IoT Core documents it, as `SELECT *` hands it to the function. */
  const lifecycleEvent = (clientId: string, eventType: "connected" | "disconnected", timestamp: number) => ({
    clientId,
    timestamp,
    eventType,
    sessionIdentifier: "00000000-0000-0000-0000-000000000000",
    principalIdentifier: "12345678901234567890123456789012",
    ipAddress: "192.0.2.0",
    versionNumber: 0,
    ...(eventType === "disconnected" ? { clientInitiatedDisconnect: false, disconnectReason: "CONNECTION_LOST" } : {}),
  });

  it("marks the listener connected, then disconnected (its place released), and ignores what came late", async () => {
    // Prepare
    const session = await Session.create(h.adapters.db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
    const pass = await Broadcast.join(h.adapters.db, { sessionId: session.sessionId, language: "es" }, undefined, T0);
    const clientId = `lt-${pass.listenerId}`;
    // Act
    const connected = await h.handlers.BroadcastPresenceHandler(lifecycleEvent(clientId, "connected", T0 + 1000));
    const disconnected = await h.handlers.BroadcastPresenceHandler(lifecycleEvent(clientId, "disconnected", T0 + 5000));
    // The connect told again, after the disconnect: out of order, a duplicate.
    const late = await h.handlers.BroadcastPresenceHandler(lifecycleEvent(clientId, "connected", T0 + 1000));
    // Assess
    expect([connected, disconnected, late]).toEqual([{ observed: "connected" }, { observed: "disconnected" }, { observed: "stale" }]);
    expect(await Admission.counts(h.adapters.db, session.sessionId)).toEqual({});
    expect(h.log.entries).toContainEqual(expect.objectContaining({ event: "broadcast.presence", listenerId: pass.listenerId, eventType: "disconnected", observed: "disconnected" }));
  });

  it("ignores clients that are not listeners, and refuses an event it cannot read by what is wrong", async () => {
    // Act
    const other = await h.handlers.BroadcastPresenceHandler(lifecycleEvent("some-device", "connected", T0));
    const invalid = await h.handlers.BroadcastPresenceHandler({ clientId: "lt-x", timestamp: "yesterday", eventType: "subscribed" });
    // Assess
    expect(other).toEqual({ observed: "not_a_listener" });
    expect(invalid).toMatchObject({ observed: "invalid", error: expect.stringMatching(/^not an IoT lifecycle event: timestamp: .+; eventType: .+/) });
    expect(h.log.entries).toContainEqual(expect.objectContaining({ level: "warn", event: "broadcast.presence_invalid" }));
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { Audience } from "../audience/index.ts";
import { Connection } from "../connection/index.ts";
import type { Db } from "../db/index.ts";
import { Session } from "../session/index.ts";
import { Broadcast } from "./index.ts";

describe("Broadcast", () => {
  let dynamo: TestTable;
  let db: Db;
  let session: { sessionId: string };
  const T0 = 1_800_000_000_000;
  beforeAll(async () => {
    dynamo = await startTestTable("broadcast");
    db = dynamo.db;
    session = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
  });
  afterAll(() => dynamo.close());

  it("names one topic per session and language under the deployment's prefix", () => {
    const prefix = Broadcast.topicPrefix("dev");
    expect(Broadcast.topic(prefix, "brave-fox-1", "es")).toBe("livetranslate/dev/session/brave-fox-1/es");
  });

  it.each([
    ["livetranslate/dev/session/brave-fox-1/es", true],
    ["livetranslate/dev/session/brave-fox-1/+", true],
    ["livetranslate/dev/session/brave-fox-2/es", false],
    ["livetranslate/dev/session/brave-fox-1/#", false],
    ["livetranslate/dev/session/brave-fox-1/es/x", false],
    ["livetranslate/dev/session/#", false],
    ["livetranslate/prod/session/brave-fox-1/es", false],
    ["#", false],
  ])("lets a listener of brave-fox-1 receive %s: %s", (topic, allowed) => {
    expect(Broadcast.mayReceive(Broadcast.topicPrefix("dev"), "brave-fox-1", topic)).toBe(allowed);
  });

  it("joins a listener in an offered language of an active session, with a pass that authorizes it until it lapses", async () => {
    const pass = await Broadcast.join(db, session.sessionId, "es", T0);
    expect(pass).toMatchObject({ sessionId: session.sessionId, language: "es", expiresAt: T0 + Broadcast.PASS_TTL_MS, heartbeatSeconds: 30 });
    expect(await Broadcast.authorize(db, pass.token, T0 + 1000)).toMatchObject({ listenerId: pass.listenerId, sessionId: session.sessionId });
    expect(await Broadcast.authorize(db, pass.token, T0 + Broadcast.PASS_TTL_MS)).toBeUndefined();
    // A wrong secret, another listener's id, garbage: nothing.
    expect(await Broadcast.authorize(db, `${pass.listenerId}.not-the-secret`, T0)).toBeUndefined();
    expect(await Broadcast.authorize(db, `nobody.${pass.token.split(".")[1]}`, T0)).toBeUndefined();
    expect(await Broadcast.authorize(db, "", T0)).toBeUndefined();
    await expect(Broadcast.join(db, session.sessionId, "de", T0)).rejects.toMatchObject({ code: "unsupported_language" });
    await expect(Broadcast.join(db, "no-such-1", "es", T0)).rejects.toMatchObject({ code: "session_not_found" });
  });

  it("counts a listener present until three heartbeats are missed; a renewal keeps it, and may change its language", async () => {
    const other = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const a = await Broadcast.join(db, other.sessionId, "es", T0);
    await Broadcast.join(db, other.sessionId, "es", T0);
    await Connection.join(db, "ws-fr", { sessionId: other.sessionId, role: "listener", language: "fr", bundled: "1" });
    expect(Audience.listenerCounts(await Audience.of(db, other.sessionId, T0 + 1000))).toEqual({ es: 2, fr: 1 });
    const renewed = await Broadcast.renew(db, a.token, "fr", T0 + 60_000);
    expect(renewed).toMatchObject({ language: "fr", token: a.token, expiresAt: T0 + 60_000 + Broadcast.PASS_TTL_MS });
    const later = await Audience.of(db, other.sessionId, T0 + Broadcast.PRESENCE_MS + 1);
    expect(later.broadcastListenersByLanguage).toEqual(new Map([["fr", [a.listenerId]]]));
    expect(Audience.listenerCounts(later)).toEqual({ fr: 2 });
    // Broadcast listeners hold no connection here: nothing is ever posted to them.
    expect(Audience.everyone(later)).toEqual(["ws-fr"]);
    await expect(Broadcast.renew(db, a.token, "de", T0 + 61_000)).rejects.toMatchObject({ code: "unsupported_language" });
    await expect(Broadcast.renew(db, `${a.listenerId}.wrong`, undefined, T0 + 61_000)).rejects.toMatchObject({ code: "unauthorized", status: 403 });
    // A listener that missed sessionEnded learns it at its next renewal.
    await Session.end(db, other.sessionId);
    await expect(Broadcast.renew(db, a.token, undefined, T0 + 62_000)).rejects.toMatchObject({ code: "session_ended", status: 409 });
  });

  it("reuses a reading of presence for a moment, except after a join or a language change in this process", async () => {
    const third = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const first = await Broadcast.join(db, third.sessionId, "es", T0);
    expect(await Broadcast.present(db, third.sessionId, T0 + 10)).toEqual(new Map([["es", [first.listenerId]]]));
    // Written elsewhere (another function): not seen until the reading is older than PRESENCE_READ_REUSE_MS.
    await db.entities.broadcastListener.put({ listenerId: "elsewhere", sessionId: third.sessionId, language: "fr", tokenHash: "x", joinedAt: T0, seenAt: T0, expiresAt: 0 }).go();
    expect((await Broadcast.present(db, third.sessionId, T0 + 20)).get("fr")).toBeUndefined();
    expect((await Broadcast.present(db, third.sessionId, T0 + 10 + Broadcast.PRESENCE_READ_REUSE_MS)).get("fr")).toEqual(["elsewhere"]);
    // A join here is seen at once.
    const second = await Broadcast.join(db, third.sessionId, "es", T0 + 2100);
    expect((await Broadcast.present(db, third.sessionId, T0 + 2110)).get("es")?.sort()).toEqual([first.listenerId, second.listenerId].sort());
  });
});

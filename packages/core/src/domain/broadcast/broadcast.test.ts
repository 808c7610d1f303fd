import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { Admission } from "../admission/index.ts";
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
    const pass = await Broadcast.join(db, { sessionId: session.sessionId, language: "es" }, undefined, T0);
    expect(pass).toMatchObject({ sessionId: session.sessionId, language: "es", expiresAt: T0 + Broadcast.PASS_TTL_MS, heartbeatSeconds: 30 });
    expect(await Broadcast.authorize(db, pass.token, T0 + 1000)).toMatchObject({ listenerId: pass.listenerId, sessionId: session.sessionId });
    expect(await Broadcast.authorize(db, pass.token, T0 + Broadcast.PASS_TTL_MS)).toBeUndefined();
    // A wrong secret, another listener's id, garbage: nothing.
    expect(await Broadcast.authorize(db, `${pass.listenerId}.not-the-secret`, T0)).toBeUndefined();
    expect(await Broadcast.authorize(db, `nobody.${pass.token.split(".")[1]}`, T0)).toBeUndefined();
    expect(await Broadcast.authorize(db, "", T0)).toBeUndefined();
    await expect(Broadcast.join(db, { sessionId: session.sessionId, language: "de" }, undefined, T0)).rejects.toMatchObject({ code: "unsupported_language" });
    await expect(Broadcast.join(db, { sessionId: "no-such-1", language: "es" }, undefined, T0)).rejects.toMatchObject({ code: "session_not_found" });
  });

  it("counts a listener present until three heartbeats are missed; a renewal keeps it, and may change its language", async () => {
    const other = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const a = await Broadcast.join(db, { sessionId: other.sessionId, language: "es" }, undefined, T0);
    await Broadcast.join(db, { sessionId: other.sessionId, language: "es" }, undefined, T0);
    await Connection.join(db, "ws-fr", { sessionId: other.sessionId, role: "listener", language: "fr", bundled: "1" });
    expect(await Admission.counts(db, other.sessionId)).toEqual({ es: 2, fr: 1 });
    const renewed = await Broadcast.renew(db, a.token, "fr", T0 + 60_000);
    expect(renewed).toMatchObject({ language: "fr", token: a.token, expiresAt: T0 + 60_000 + Broadcast.PASS_TTL_MS });
    // The other broadcast listener's presence lapses: it no longer counts, and its place is released.
    expect(await Broadcast.releaseLapsed(db, other.sessionId, T0 + Broadcast.PRESENCE_MS + 1)).toBe(1);
    const later = await Audience.of(db, other.sessionId, T0 + Broadcast.PRESENCE_MS + 1);
    expect(later.broadcastListenersByLanguage).toEqual(new Map([["fr", [a.listenerId]]]));
    expect(await Admission.counts(db, other.sessionId)).toEqual({ fr: 2 });
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
    const first = await Broadcast.join(db, { sessionId: third.sessionId, language: "es" }, undefined, T0);
    expect(await Broadcast.present(db, third.sessionId, T0 + 10)).toEqual(new Map([["es", [first.listenerId]]]));
    // Written elsewhere (another function): not seen until the reading is older than PRESENCE_READ_REUSE_MS.
    await db.entities.broadcastListener.put({ listenerId: "elsewhere", sessionId: third.sessionId, language: "fr", tokenHash: "x", joinedAt: T0, seenAt: T0, expiresAt: 0 }).go();
    expect((await Broadcast.present(db, third.sessionId, T0 + 20)).get("fr")).toBeUndefined();
    expect((await Broadcast.present(db, third.sessionId, T0 + 10 + Broadcast.PRESENCE_READ_REUSE_MS)).get("fr")).toEqual(["elsewhere"]);
    // A join here is seen at once.
    const second = await Broadcast.join(db, { sessionId: third.sessionId, language: "es" }, undefined, T0 + 2100);
    expect((await Broadcast.present(db, third.sessionId, T0 + 2110)).get("es")?.sort()).toEqual([first.listenerId, second.listenerId].sort());
  });

  it("admits a listener to a private session only with its key, answering a wrong or missing key as a missing or ended session", async () => {
    const created = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en", private: true });
    const asked = { sessionId: created.sessionId, language: "es" };
    const refused = { code: "session_not_found", status: 404, message: `session "${created.sessionId}" does not exist, has ended, or needs the key from its link` };
    await expect(Broadcast.join(db, asked, undefined, T0)).rejects.toMatchObject(refused);
    await expect(Broadcast.join(db, { ...asked, key: "2222-2222-2222-2222" }, undefined, T0)).rejects.toMatchObject(refused);
    const pass = await Broadcast.join(db, { ...asked, key: created.joinKey!.toUpperCase() }, undefined, T0);
    expect(pass).toMatchObject({ sessionId: created.sessionId, language: "es" });
    await expect(Broadcast.join(db, { sessionId: "no-such-2", language: "es" }, undefined, T0)).rejects.toMatchObject({ ...refused, message: expect.stringContaining("no-such-2") });
    await Session.end(db, created.sessionId);
    await expect(Broadcast.join(db, { ...asked, key: created.joinKey }, undefined, T0)).rejects.toMatchObject(refused);
  });

  it("counts broadcast listeners against the session's cap with WebSocket listeners, until they leave or their presence lapses", async () => {
    const capped = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const limits = { maxListenersPerSession: 2 };
    const asked = { sessionId: capped.sessionId, language: "es" };
    await Connection.join(db, "ws-capped", { sessionId: capped.sessionId, role: "listener", language: "fr" }, { limits });
    const first = await Broadcast.join(db, asked, limits, T0);
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ es: 1, fr: 1 });
    await expect(Broadcast.join(db, asked, limits, T0 + 1000)).rejects.toMatchObject({ code: "session_full", status: 429 });
    await expect(Connection.join(db, "ws-refused", { sessionId: capped.sessionId, role: "listener", language: "es" }, { limits })).rejects.toMatchObject({
      code: "session_full",
    });
    // The refused leave no record behind: only the admitted listener is present.
    expect(await Broadcast.present(db, capped.sessionId, T0 + 1000 + Broadcast.PRESENCE_READ_REUSE_MS)).toEqual(new Map([["es", [first.listenerId]]]));
    // It leaves: its place goes to the next, whose presence then lapses (no renewal): the next after it is admitted.
    expect(await Broadcast.leave(db, first.token, { sessionId: capped.sessionId, listenerId: first.listenerId }, T0 + 2000)).toMatchObject({ listenerId: first.listenerId });
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ fr: 1 });
    await expect(Broadcast.renew(db, first.token, undefined, T0 + 2000)).rejects.toMatchObject({ code: "unauthorized", status: 403 });
    const second = await Broadcast.join(db, asked, limits, T0 + 3000);
    const afterLapse = T0 + 3000 + Broadcast.PRESENCE_MS;
    const third = await Broadcast.join(db, { ...asked, language: "fr" }, limits, afterLapse);
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ fr: 2 });
    // The lapsed listener's renewal is refused like an unknown pass: it joins again (and finds the session full).
    await expect(Broadcast.renew(db, second.token, undefined, afterLapse + 1)).rejects.toMatchObject({ code: "unauthorized", status: 403 });
    await Broadcast.renew(db, third.token, "es", afterLapse + 2);
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ es: 1, fr: 1 });
  });

  it("renews a pass renewed at the same moment by another request (a heartbeat beside a language change), counted once", async () => {
    const busy = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const pass = await Broadcast.join(db, { sessionId: busy.sessionId, language: "es" }, undefined, T0);
    const [moved, kept] = await Promise.all([Broadcast.renew(db, pass.token, "fr", T0 + 30_000), Broadcast.renew(db, pass.token, undefined, T0 + 30_000)]);
    expect([moved.language, kept.language]).toContain("fr");
    const stored = await Broadcast.authorize(db, pass.token, T0 + 30_001);
    expect(await Admission.counts(db, busy.sessionId)).toEqual({ [stored!.language]: 1 });
  });
});

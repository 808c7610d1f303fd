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
    expect(pass).toMatchObject({ sessionId: session.sessionId, language: "es", expiresAt: T0 + Broadcast.PASS_TTL_MS, heartbeatSeconds: 300 });
    expect(await Broadcast.authorize(db, pass.token, T0 + 1000)).toMatchObject({ listenerId: pass.listenerId, sessionId: session.sessionId });
    expect(await Broadcast.authorize(db, pass.token, T0 + Broadcast.PASS_TTL_MS)).toBeUndefined();
    // A wrong secret, another listener's id, garbage: nothing.
    expect(await Broadcast.authorize(db, `${pass.listenerId}.not-the-secret`, T0)).toBeUndefined();
    expect(await Broadcast.authorize(db, `nobody.${pass.token.split(".")[1]}`, T0)).toBeUndefined();
    expect(await Broadcast.authorize(db, "", T0)).toBeUndefined();
    await expect(Broadcast.join(db, { sessionId: session.sessionId, language: "de" }, undefined, T0)).rejects.toMatchObject({ code: "unsupported_language" });
    await expect(Broadcast.join(db, { sessionId: "no-such-1", language: "es" }, undefined, T0)).rejects.toMatchObject({ code: "session_not_found" });
  });

  it("counts a listener from its join while it connects, then while connected; a renewal keeps its token, and may change its language", async () => {
    const other = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const a = await Broadcast.join(db, { sessionId: other.sessionId, language: "es" }, undefined, T0);
    const b = await Broadcast.join(db, { sessionId: other.sessionId, language: "es" }, undefined, T0);
    expect(a.heartbeatSeconds).toBe(Broadcast.HEARTBEAT_SECONDS);
    await Connection.join(db, "ws-fr", { sessionId: other.sessionId, role: "listener", language: "fr", bundled: "1" });
    expect(await Admission.counts(db, other.sessionId)).toEqual({ es: 2, fr: 1 });
    expect(await Broadcast.observe(db, { listenerId: a.listenerId, connected: true, at: T0 + 100 })).toBe("connected");
    const renewed = await Broadcast.renew(db, a.token, "fr", T0 + 60_000);
    expect(renewed).toMatchObject({ language: "fr", token: a.token, expiresAt: T0 + 60_000 + Broadcast.PASS_TTL_MS });
    // The other never connected: past the grace it no longer counts, and its place is released.
    const afterGrace = T0 + Broadcast.CONNECT_GRACE_MS + 1;
    expect(await Broadcast.releaseLapsed(db, other.sessionId, afterGrace)).toBe(1);
    const later = await Audience.of(db, other.sessionId, afterGrace);
    expect(later.broadcastListenersByLanguage).toEqual(new Map([["fr", [a.listenerId]]]));
    expect(await Admission.counts(db, other.sessionId)).toEqual({ fr: 2 });
    // Its late connect admits it again.
    expect(await Broadcast.observe(db, { listenerId: b.listenerId, connected: true, at: afterGrace + 5 })).toBe("connected");
    expect(await Admission.counts(db, other.sessionId)).toEqual({ es: 1, fr: 2 });
    // Connected, a listener counts without renewing, as long as its pass is valid.
    expect((await Broadcast.present(db, other.sessionId, T0 + 60_000 + Broadcast.PASS_TTL_MS - 1)).get("fr")).toEqual([a.listenerId]);
    // Broadcast listeners hold no connection here: nothing is ever posted to them.
    expect(Audience.everyone(later)).toEqual(["ws-fr"]);
    await expect(Broadcast.renew(db, a.token, "de", T0 + 61_000)).rejects.toMatchObject({ code: "unsupported_language" });
    await expect(Broadcast.renew(db, `${a.listenerId}.wrong`, undefined, T0 + 61_000)).rejects.toMatchObject({ code: "unauthorized", status: 403 });
    // A listener that missed sessionEnded learns it at its next renewal.
    await Session.end(db, other.sessionId);
    await expect(Broadcast.renew(db, a.token, undefined, T0 + 62_000)).rejects.toMatchObject({ code: "session_ended", status: 409 });
  });

  it("stops counting a listener at its disconnect and releases its place; stale and repeated events change nothing", async () => {
    const live = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const pass = await Broadcast.join(db, { sessionId: live.sessionId, language: "es" }, undefined, T0);
    const id = pass.listenerId;
    const presentAt = async (now: number) => (await Broadcast.present(db, live.sessionId, now)).get("es") ?? [];
    expect(await Broadcast.observe(db, { listenerId: id, connected: true, at: T0 + 10 })).toBe("connected");
    // The same event again, and a connect older than it: nothing.
    expect(await Broadcast.observe(db, { listenerId: id, connected: true, at: T0 + 10 })).toBe("stale");
    expect(await Broadcast.observe(db, { listenerId: id, connected: true, at: T0 + 5 })).toBe("stale");
    expect(await Admission.counts(db, live.sessionId)).toEqual({ es: 1 });
    // The disconnect arrives after a newer connect (out of order): the newer one stays in effect.
    expect(await Broadcast.observe(db, { listenerId: id, connected: true, at: T0 + 30 })).toBe("connected");
    expect(await Broadcast.observe(db, { listenerId: id, connected: false, at: T0 + 20 })).toBe("stale");
    expect(await presentAt(T0 + 40)).toEqual([id]);
    // A disconnect because a newer connection of the same pass took over is not the listener leaving.
    expect(await Broadcast.observe(db, { listenerId: id, connected: false, at: T0 + 50, replaced: true })).toBe("replaced");
    expect(await Admission.counts(db, live.sessionId)).toEqual({ es: 1 });
    // It disconnects: gone from the counts and from presence at once, and again changes nothing.
    expect(await Broadcast.observe(db, { listenerId: id, connected: false, at: T0 + 60 })).toBe("disconnected");
    expect(await Admission.counts(db, live.sessionId)).toEqual({});
    expect(await presentAt(T0 + 61)).toEqual([]);
    expect(await Broadcast.observe(db, { listenerId: id, connected: false, at: T0 + 60 })).toBe("stale");
    expect(await Broadcast.observe(db, { listenerId: id, connected: true, at: T0 + 55 })).toBe("stale");
    expect(await Admission.counts(db, live.sessionId)).toEqual({});
    // A disconnected listener changing language takes no place; reconnecting, it takes one in its new language.
    await Broadcast.renew(db, pass.token, "fr", T0 + 70);
    expect(await Admission.counts(db, live.sessionId)).toEqual({});
    expect(await Broadcast.observe(db, { listenerId: id, connected: true, at: T0 + 80 })).toBe("connected");
    expect(await Admission.counts(db, live.sessionId)).toEqual({ fr: 1 });
    // Events of clients this table has no pass for (another stage's, a left listener's) are ignored.
    expect(await Broadcast.observe(db, { listenerId: "no-such-listener", connected: true, at: T0 })).toBe("unknown");
  });

  it("settles concurrent and shuffled events in their order, whatever order they are applied in", async () => {
    const busy = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const pass = await Broadcast.join(db, { sessionId: busy.sessionId, language: "es" }, undefined, T0);
    const events = [1, 2, 3, 4, 5, 6].map((n) => ({ listenerId: pass.listenerId, connected: n % 2 === 1, at: T0 + n }));
    // Applied twice each, all at once, newest first: the last (a disconnect) is in effect, and the place is gone.
    await Promise.all([...events, ...events].reverse().map((event) => Broadcast.observe(db, event)));
    expect(await Admission.counts(db, busy.sessionId)).toEqual({});
    expect(await Broadcast.authorize(db, pass.token, T0 + 10)).toMatchObject({ presence: "disconnected", presenceAt: T0 + 6 });
    // A reconnect after it admits it again, once, even told twice at once beside a renewal.
    const reconnect = { listenerId: pass.listenerId, connected: true, at: T0 + 7 };
    await Promise.all([Broadcast.observe(db, reconnect), Broadcast.observe(db, reconnect), Broadcast.renew(db, pass.token, undefined, T0 + 8)]);
    expect(await Admission.counts(db, busy.sessionId)).toEqual({ es: 1 });
    expect(await Broadcast.authorize(db, pass.token, T0 + 10)).toMatchObject({ presence: "connected", presenceAt: T0 + 7, seenAt: T0 + 8 });
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
    // The next never connects: past the grace, a join that finds the session full releases its place.
    const afterGrace = T0 + 3000 + Broadcast.CONNECT_GRACE_MS;
    const third = await Broadcast.join(db, { ...asked, language: "fr" }, limits, afterGrace);
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ fr: 2 });
    // Connecting late, it finds the session full: its pass is revoked, it does not count, and its renewal is
    // refused like an unknown pass (the app joins again, and finds the session full).
    expect(await Broadcast.observe(db, { listenerId: second.listenerId, connected: true, at: afterGrace + 1 }, limits)).toBe("refused");
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ fr: 2 });
    await expect(Broadcast.renew(db, second.token, undefined, afterGrace + 1)).rejects.toMatchObject({ code: "unauthorized", status: 403 });
    // A disconnect frees a place at once.
    await Broadcast.observe(db, { listenerId: third.listenerId, connected: true, at: afterGrace + 2 }, limits);
    expect(await Broadcast.observe(db, { listenerId: third.listenerId, connected: false, at: afterGrace + 3 }, limits)).toBe("disconnected");
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ fr: 1 });
    await Broadcast.join(db, asked, limits, afterGrace + 4);
    expect(await Admission.counts(db, capped.sessionId)).toEqual({ es: 1, fr: 1 });
    // Its pass still valid, the disconnected listener reconnects only if a place is free: none is.
    expect(await Broadcast.observe(db, { listenerId: third.listenerId, connected: true, at: afterGrace + 5 }, limits)).toBe("refused");
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

import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Connection } from "../connection/index.ts";
import type { Db } from "../db/index.ts";
import { Session } from "../session/index.ts";
import { type Admitted, Admission } from "./index.ts";

describe("a session's listeners: capped and counted", () => {
  let dynamo: TestTable;
  let db: Db;
  const languages = { source: ["en"], target: ["es", "fr"] };
  const newSession = async () => (await Session.create(db, languages, { sourceLanguage: "en" })).sessionId;
  const listen = (sessionId: string, connectionId: string, language: string, maxListenersPerSession = 3) =>
    Connection.join(db, connectionId, { sessionId, role: "listener", language }, { limits: { maxListenersPerSession } });
  const listeners = async (sessionId: string) => (await Session.view(db, sessionId)).listeners;

  beforeAll(async () => {
    dynamo = await startTestTable("admission");
    db = dynamo.db;
  });
  afterAll(() => dynamo.close());

  it("refuses the listener beyond the cap by name, keeps no record of it, and disturbs no one else", async () => {
    // Prepare: a full session.
    const sessionId = await newSession();
    for (const [id, language] of [["a", "es"], ["b", "fr"], ["c", "es"]] as const) await listen(sessionId, `${sessionId}-${id}`, language);
    // Act
    const refused = listen(sessionId, `${sessionId}-d`, "fr");
    // Assess
    await expect(refused).rejects.toMatchObject({ code: "session_full", status: 429, message: expect.stringMatching(/maximum of 3 listeners/) });
    expect(await Connection.get(db, `${sessionId}-d`)).toBeUndefined();
    expect(await listeners(sessionId)).toEqual({ es: 2, fr: 1 });
    // A speaker is no listener: the cap does not hold it out.
    const other = await Session.create(db, languages, { sourceLanguage: "en" });
    for (const id of ["a", "b", "c"]) await listen(other.sessionId, `${other.sessionId}-${id}`, "es");
    await expect(Connection.join(db, `${other.sessionId}-spk`, { sessionId: other.sessionId, role: "speaker", token: other.speakerToken }, { limits: { maxListenersPerSession: 3 } })).resolves.toMatchObject({ role: "speaker" });
  });

  it("admits no more than the cap when many join at once", async () => {
    // Prepare
    const sessionId = await newSession();
    // Act: twelve listeners race for five places.
    const joins = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => listen(sessionId, `${sessionId}-${i}`, i % 2 ? "es" : "fr", 5)));
    // Assess
    expect(joins.filter((j) => j.status === "fulfilled")).toHaveLength(5);
    expect(joins.filter((j) => j.status === "rejected").map((j) => (j as PromiseRejectedResult).reason.code)).toEqual(Array(7).fill("session_full"));
    const counts = await listeners(sessionId);
    expect((counts.es ?? 0) + (counts.fr ?? 0)).toBe(5);
  });

  it("keeps the counts through language changes and disconnects, each counted once however often it is retried", async () => {
    // Prepare
    const sessionId = await newSession();
    const a = await listen(sessionId, `${sessionId}-a`, "es");
    await listen(sessionId, `${sessionId}-b`, "es");
    await listen(sessionId, `${sessionId}-c`, "fr");
    // Act and assess: a language change in a full session keeps its place.
    await Connection.setLanguage(db, a, "fr");
    expect(await listeners(sessionId)).toEqual({ es: 1, fr: 2 });
    // A disconnect delivered twice (and a 410 Gone after it) releases one place.
    await Connection.leave(db, `${sessionId}-b`);
    await Connection.leave(db, `${sessionId}-b`);
    expect(await listeners(sessionId)).toEqual({ fr: 2 });
    // The freed place is taken; the next is refused.
    await listen(sessionId, `${sessionId}-d`, "es");
    await expect(listen(sessionId, `${sessionId}-e`, "es")).rejects.toMatchObject({ code: "session_full" });
    expect(await listeners(sessionId)).toEqual({ es: 1, fr: 2 });
  });
});

describe("Admission's counter and places", () => {
  let dynamo: TestTable;
  let db: Db;
  const session = () => `adm-${randomUUID()}`;
  const listener = (sessionId: string, connectionId: string, language: string): Admitted => ({ sessionId, connectionId, language });
  /** The places as stored, per language: what the counter must agree with. */
  const placed = async (sessionId: string) => {
    const { data } = await db.entities.admissionPlace.query.bySession({ sessionId }).go({ pages: "all" });
    const counts: Record<string, number> = {};
    for (const { language } of data) counts[language] = (counts[language] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    dynamo = await startTestTable("admission-items");
    db = dynamo.db;
  });
  afterAll(() => dynamo.close());

  it("admits no more than the cap when many join at once, in several languages, and places exactly those counted", async () => {
    // Prepare
    const sessionId = session();
    const languages = ["es", "fr", "de"];
    // Act: twenty listeners race for seven places in a session no one has joined yet (its counter is made by the race).
    const joins = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => Admission.admit(db, listener(sessionId, `c${i}`, languages[i % 3]!), 7)));
    // Assess
    expect(joins.filter((j) => j.status === "fulfilled")).toHaveLength(7);
    for (const j of joins) if (j.status === "rejected") expect(j.reason).toMatchObject({ code: "session_full", status: 429 });
    const counts = await Admission.counts(db, sessionId);
    expect(Object.values(counts).reduce((n, c) => n + c, 0)).toBe(7);
    expect(counts).toEqual(await placed(sessionId));
  });

  it("counts a retried admit, release or readmit once, even when the retries come at the same moment", async () => {
    // Prepare
    const sessionId = session();
    const a = listener(sessionId, "a", "es");
    await Admission.admit(db, listener(sessionId, "b", "es"), 2);
    // Act and assess: the last place, asked for three times at once and once more after; a retry finds it taken by itself.
    await Promise.all([Admission.admit(db, a, 2), Admission.admit(db, a, 2), Admission.admit(db, a, 2)]);
    await Admission.admit(db, a, 2);
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 2 });
    await Promise.all([Admission.release(db, a), Admission.release(db, a)]);
    await Admission.release(db, a);
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 1 });
    await Promise.all([Admission.readmit(db, { ...a, language: "fr" }), Admission.readmit(db, { ...a, language: "fr" })]);
    await Admission.readmit(db, { ...a, language: "fr" });
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 1, fr: 1 });
    expect(await placed(sessionId)).toEqual({ es: 1, fr: 1 });
  });

  it("readmits past the cap (a language change keeps its place) while an admit in the full session is refused", async () => {
    // Prepare: a full session of two.
    const sessionId = session();
    const a = listener(sessionId, "a", "es");
    await Admission.admit(db, a, 2);
    await Admission.admit(db, listener(sessionId, "b", "es"), 2);
    // Act: a changes language; then a listener readmitted beyond the cap, as a renewal racing a leave may.
    await Admission.release(db, a);
    await Admission.readmit(db, { ...a, language: "fr" });
    await Admission.readmit(db, listener(sessionId, "c", "de"));
    // Assess
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 1, fr: 1, de: 1 });
    await expect(Admission.admit(db, listener(sessionId, "d", "es"), 2)).rejects.toMatchObject({ code: "session_full", message: expect.stringMatching(/maximum of 2 listeners/) });
    expect(await placed(sessionId)).toEqual({ es: 1, fr: 1, de: 1 });
  });

  it("releases nothing for one not admitted: an unknown listener, another language, a session with no counter", async () => {
    // Prepare
    const sessionId = session();
    await Admission.admit(db, listener(sessionId, "a", "es"), 5);
    // Act
    await Admission.release(db, listener(sessionId, "x", "es"));
    await Admission.release(db, listener(sessionId, "a", "fr"));
    await Admission.release(db, listener(session(), "a", "es"));
    // Assess: no count moved, none went below zero, and a session never joined counts no one.
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 1 });
    expect(await Admission.counts(db, session())).toEqual({});
  });

  it("counts per language, leaving out a language whose listeners all left", async () => {
    // Prepare
    const sessionId = session();
    for (const [id, language] of [["a", "es"], ["b", "fr"], ["c", "es"], ["d", "pt-BR"]] as const) await Admission.admit(db, listener(sessionId, id, language), 10);
    // Act
    await Admission.release(db, listener(sessionId, "b", "fr"));
    // Assess
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 2, "pt-BR": 1 });
  });

  it("agrees with its places whichever of a join and a release of the same listener comes first", async () => {
    // Prepare
    const sessionId = session();
    const racing = Array.from({ length: 12 }, (_, i) => listener(sessionId, `r${i}`, i % 2 ? "es" : "fr"));
    // Act: each listener's admit and release at once, a third of them with the admit retried too.
    await Promise.all(racing.flatMap((l, i) => [Admission.admit(db, l, 50), Admission.release(db, l), ...(i % 3 ? [] : [Admission.admit(db, l, 50)])]));
    // Assess: a release that came before its join's place leaves the listener admitted (as it would a set's member).
    const counts = await Admission.counts(db, sessionId);
    expect(counts).toEqual(await placed(sessionId));
    // And every one released after leaves nothing counted.
    await Promise.all(racing.map((l) => Admission.release(db, l)));
    expect(await Admission.counts(db, sessionId)).toEqual({});
  });

  it("holds a place back, never passes the cap, when a count was left without its place (a process died between them)", async () => {
    // Prepare: two admitted in a session of two; one place goes as if its write never happened.
    const sessionId = session();
    const a = listener(sessionId, "a", "es");
    await Admission.admit(db, a, 2);
    await Admission.admit(db, listener(sessionId, "b", "es"), 2);
    await db.entities.admissionPlace.delete(a).go();
    // Act: its release finds no place, so counts nothing down.
    await Admission.release(db, a);
    // Assess: counted still; the session stays full to a newcomer.
    expect(await Admission.counts(db, sessionId)).toEqual({ es: 2 });
    await expect(Admission.admit(db, listener(sessionId, "c", "fr"), 2)).rejects.toMatchObject({ code: "session_full" });
  });
});

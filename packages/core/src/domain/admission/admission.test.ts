import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Connection } from "../connection/index.ts";
import type { Db } from "../db/index.ts";
import { Session } from "../session/index.ts";

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

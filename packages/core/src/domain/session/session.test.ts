import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { createDynamoClient } from "../../adapters/aws/clients.ts";
import { Connection } from "../connection/index.ts";
import { createDb, type Db } from "../db/index.ts";
import { Transcript } from "../transcript/index.ts";
import { Session } from "./index.ts";

const languages = { source: ["en"], target: ["es", "fr", "pt"] };

describe("Session", () => {
  let dynamo: TestTable;
  let db: Db;
  beforeAll(async () => {
    dynamo = await startTestTable("sessions");
    db = dynamo.db;
  });
  afterAll(() => dynamo.close());

  it("creates a session whose token is stored only as a hash", async () => {
    const created = await Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["fr", "es", "fr", "en"] });
    expect(created.targetLanguages).toEqual(["fr", "es"]);
    expect(created.sessionId).toMatch(/^[a-z]+-[a-z]+-\d{3}$/);
    const stored = await Session.get(db, created.sessionId);
    expect(stored).toMatchObject({ sourceLanguage: "en", status: "active" });
    expect(JSON.stringify(stored)).not.toContain(created.speakerToken);
    expect(Session.isSpeakerToken(stored!, created.speakerToken)).toBe(true);
    expect(Session.isSpeakerToken(stored!, `${created.speakerToken}x`)).toBe(false);
  });

  it("refuses languages the engines do not offer, naming them", async () => {
    await expect(Session.create(db, languages, { sourceLanguage: "de" })).rejects.toMatchObject({
      code: "unsupported_language",
      message: expect.stringContaining('"de"'),
    });
    await expect(Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["es", "xx"] })).rejects.toMatchObject({
      message: expect.stringContaining('"xx"'),
    });
    await expect(Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["en"] })).rejects.toMatchObject({
      code: "unsupported_language",
    });
  });

  it("ends a session", async () => {
    const { sessionId } = await Session.create(db, languages, { sourceLanguage: "en" });
    await Session.requireActive(db, sessionId);
    await Session.end(db, sessionId);
    expect(await Session.get(db, sessionId)).toMatchObject({ status: "ended", endedAt: expect.any(Number) });
    await expect(Session.requireActive(db, sessionId)).rejects.toMatchObject({ code: "session_ended", status: 409 });
    await expect(Session.requireActive(db, "no-such-1")).rejects.toMatchObject({ code: "session_not_found", status: 404 });
  });

  it("after an end that said the last chunk sent, still takes the chunks up to it (a reconnect's backlog), no later one", async () => {
    const { sessionId } = await Session.create(db, languages, { sourceLanguage: "en" });
    await Session.end(db, sessionId, 41);
    await expect(Session.requireTakesChunk(db, sessionId, 41)).resolves.toMatchObject({ status: "ended", lastChunkIndex: 41 });
    await expect(Session.requireTakesChunk(db, sessionId, 42)).rejects.toMatchObject({ code: "session_ended", status: 409 });
    const other = await Session.create(db, languages, { sourceLanguage: "en" });
    await Session.end(db, other.sessionId);
    await expect(Session.requireTakesChunk(db, other.sessionId, 0)).rejects.toMatchObject({ code: "session_ended" });
  });

  it("reads the session once per chunk it takes", async () => {
    // Prepare: a client that counts the reads of the table.
    const counted = createDynamoClient(dynamo.dynamo);
    let reads = 0;
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetItemCommand") reads++;
        return next(args);
      },
      { step: "initialize", name: "countReads" },
    );
    const countedDb = createDb({ table: "sessions", client: counted });
    const { sessionId } = await Session.create(db, languages, { sourceLanguage: "en" });
    // Act
    await Session.requireTakesChunk(countedDb, sessionId, 0);
    // Assess
    expect(reads).toBe(1);
    await expect(Session.requireTakesChunk(countedDb, "no-such-3", 0)).rejects.toMatchObject({ code: "session_not_found", status: 404 });
  });

  it("shows itself with listener counts and without the token hash", async () => {
    const { sessionId } = await Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["es", "fr"] });
    await Connection.join(db, "v-es", { sessionId, role: "listener", language: "es" });
    const view = await Session.view(db, sessionId);
    expect(view).toEqual({ sessionId, sourceLanguage: "en", targetLanguages: ["es", "fr"], status: "active", listeners: { es: 1 } });
    await expect(Session.view(db, "no-such-2")).rejects.toMatchObject({ status: 404 });
  });

  it("is gone the moment it expires, before the table's TTL deletes it: no view, no connection, no transcript", async () => {
    // Prepare
    const { sessionId, speakerToken } = await Session.create(db, languages, { sourceLanguage: "en", keepTranscript: true });
    await Transcript.record(db, sessionId, { sequenceNumber: 1, startMs: 0, endMs: 900, text: "Hello.", translations: { es: "Hola." } });
    expect((await Transcript.read(db, { sessionId, token: speakerToken, language: "es", format: "txt" })).body).toBe("Hola.\n");
    // Act
    await db.entities.session.patch({ sessionId }).set({ expiresAt: Math.floor(Date.now() / 1000) - 1 }).go();
    // Assess
    expect(await Session.get(db, sessionId)).toBeUndefined();
    await expect(Session.view(db, sessionId)).rejects.toMatchObject({ status: 404 });
    await expect(Session.requireActive(db, sessionId)).rejects.toMatchObject({ status: 404 });
    // Its speaker's token is answered as any token for a session that does not exist is.
    await expect(Transcript.read(db, { sessionId, token: speakerToken, language: "es", format: "txt" })).rejects.toMatchObject({ status: 403 });
    await expect(Connection.join(db, "late-speaker", { sessionId, role: "speaker", token: speakerToken })).rejects.toMatchObject({ status: 403 });
    await expect(Connection.join(db, "late-listener", { sessionId, role: "listener", language: "es" })).rejects.toMatchObject({ status: 404 });
  });

  it("makes a private session's join key of unguessable readable characters, stored only as a hash", async () => {
    const created = await Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["es"], private: true });
    expect(created.joinKey).toMatch(/^([2-9a-hj-km-np-z]{4}-){3}[2-9a-hj-km-np-z]{4}$/);
    const stored = (await Session.get(db, created.sessionId))!;
    expect(JSON.stringify(stored)).not.toContain(created.joinKey!.replaceAll("-", ""));
    expect(Session.admitsListener(stored, created.joinKey)).toBe(true);
    // As a person types it: capitals, spaces instead of dashes.
    expect(Session.admitsListener(stored, ` ${created.joinKey!.toUpperCase().replaceAll("-", " ")} `)).toBe(true);
    expect(Session.admitsListener(stored, undefined)).toBe(false);
    expect(Session.admitsListener(stored, created.joinKey!.replace(/.$/, (c) => (c === "2" ? "3" : "2")))).toBe(false);
    const keys = await Promise.all(Array.from({ length: 20 }, () => Session.create(db, languages, { sourceLanguage: "en", private: true })));
    expect(new Set(keys.map((k) => k.joinKey)).size).toBe(20);
    // A session created without asking is joined by its code alone, as in v1.
    const open = await Session.create(db, languages, { sourceLanguage: "en" });
    expect(open.joinKey).toBeUndefined();
    expect(Session.admitsListener((await Session.get(db, open.sessionId))!, undefined)).toBe(true);
  });

  it("answers a listener alike for a session that does not exist, has ended, or needs a key it was not given", async () => {
    // Prepare: a private session, an ended one, and an id no session has.
    const secret = await Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["es"], private: true });
    const ended = await Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["es"] });
    await Session.end(db, ended.sessionId);
    const answer = async (sessionId: string, key?: string) => {
      const view = await Session.view(db, sessionId, { key }).catch((e) => e);
      const listen = await Session.requireListenable(db, sessionId, key).catch((e) => e);
      // The same, but for the session id each message names.
      const same = (e: { status: number; code: string; message: string }) => ({ status: e.status, code: e.code, message: e.message.replace(sessionId, "<id>") });
      return { view: same(view), listen: same(listen) };
    };
    // Act
    const missing = await answer("calm-river-404");
    // Assess
    expect(missing.view).toMatchObject({ status: 404, code: "not_found" });
    expect(missing.listen).toMatchObject({ status: 404, code: "session_not_found" });
    expect(await answer(ended.sessionId)).toEqual(missing);
    expect(await answer(secret.sessionId)).toEqual(missing);
    expect(await answer(secret.sessionId, "k7m2-x9qp-4hzt-r8wn")).toEqual(missing);
    expect(await Session.view(db, secret.sessionId, { key: secret.joinKey })).toMatchObject({ status: "active" });
    // Its speaker still learns the session ended; a wrong token learns nothing more than a missing session gives.
    expect(await Session.view(db, ended.sessionId, { speakerToken: ended.speakerToken })).toMatchObject({ status: "ended" });
    expect((await Session.view(db, ended.sessionId, { speakerToken: secret.speakerToken }).catch((e) => e)).status).toBe(404);
  });

  it("refuses a malformed id by name before it reaches the table", async () => {
    for (const id of ["x".repeat(2000), "Upper-Case-1", "", "../etc"]) {
      await expect(Session.get(db, id)).rejects.toMatchObject({ status: 400, code: "bad_request", message: expect.stringContaining("sessionId") });
    }
  });
});

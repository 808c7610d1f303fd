import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { Connection } from "../connection/index.ts";
import type { Db } from "../db/index.ts";
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

  it("shows itself with listener counts and without the token hash", async () => {
    const { sessionId } = await Session.create(db, languages, { sourceLanguage: "en", targetLanguages: ["es", "fr"] });
    await Connection.join(db, "v-es", { sessionId, role: "listener", language: "es" });
    const view = await Session.view(db, sessionId);
    expect(view).toEqual({ sessionId, sourceLanguage: "en", targetLanguages: ["es", "fr"], status: "active", listeners: { es: 1 } });
    await expect(Session.view(db, "no-such-2")).rejects.toMatchObject({ status: 404 });
  });
});

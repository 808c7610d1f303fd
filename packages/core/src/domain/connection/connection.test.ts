import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { Admission } from "../admission/index.ts";
import { Audience } from "../audience/index.ts";
import { createDynamoClient } from "../../adapters/aws/clients.ts";
import { createDb, type Db } from "../db/index.ts";
import { Session } from "../session/index.ts";
import { Connection } from "./index.ts";

describe("Connection", () => {
  let dynamo: TestTable;
  let db: Db;
  let session: { sessionId: string; speakerToken: string };
  beforeAll(async () => {
    dynamo = await startTestTable("connections");
    db = dynamo.db;
    session = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
  });
  afterAll(() => dynamo.close());

  it("joins a speaker with the session's token, in the source language", async () => {
    const speaker = await Connection.join(db, "spk", { sessionId: session.sessionId, role: "speaker", token: session.speakerToken });
    expect(speaker).toMatchObject({ role: "speaker", language: "en", sessionId: session.sessionId });
    expect(await Connection.get(db, "spk")).toEqual(speaker);
    await expect(
      Connection.join(db, "spk2", { sessionId: session.sessionId, role: "speaker", token: "not-the-token" }),
    ).rejects.toMatchObject({ code: "unauthorized", status: 403 });
    expect(await Connection.get(db, "spk2")).toBeUndefined();
  });

  it("answers a speaker's wrong token as it answers a session that does not exist, and tells its speaker it ended", async () => {
    const wrong = await Connection.join(db, "spk3", { sessionId: session.sessionId, role: "speaker", token: "not-the-token" }).catch((e) => e);
    const missing = await Connection.join(db, "spk3", { sessionId: "calm-river-404", role: "speaker", token: "not-the-token" }).catch((e) => e);
    expect({ status: wrong.status, code: wrong.code }).toEqual({ status: missing.status, code: missing.code });
    expect(wrong.message.replace(session.sessionId, "<id>")).toBe(missing.message.replace("calm-river-404", "<id>"));
    const ended = await Session.create(db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
    await Session.end(db, ended.sessionId);
    await expect(Connection.join(db, "spk4", { sessionId: ended.sessionId, role: "speaker", token: ended.speakerToken })).rejects.toMatchObject({
      code: "session_ended",
      status: 409,
    });
  });

  it("joins a listener to a private session with its key only, and says nothing of its languages without it", async () => {
    const secret = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en", private: true });
    for (const key of [undefined, "", "2222-3333-4444-5555"]) {
      await expect(Connection.join(db, "priv-x", { sessionId: secret.sessionId, role: "listener", language: "de", key })).rejects.toMatchObject({
        code: "session_not_found",
        status: 404,
      });
    }
    expect(await Connection.get(db, "priv-x")).toBeUndefined();
    await expect(Connection.join(db, "priv", { sessionId: secret.sessionId, role: "listener", language: "es", key: secret.joinKey })).resolves.toMatchObject({
      role: "listener",
      language: "es",
    });
  });

  it("finds a connection registered moments ago even where an eventually consistent read misses it", async () => {
    // A replica that has not seen the new record yet: every eventually consistent GetItem answers "no item".
    const stale = createDynamoClient(dynamo.dynamo);
    stale.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ConsistentRead?: boolean };
        if (context.commandName === "GetItemCommand" && !input.ConsistentRead) return { output: { $metadata: {} }, response: {} } as never;
        return next(args);
      },
      { step: "initialize", name: "staleReplica" },
    );
    const staleDb = createDb({ table: "connections", client: stale });
    await Connection.join(db, "fresh", { sessionId: session.sessionId, role: "speaker", token: session.speakerToken });
    expect(await Connection.get(staleDb, "fresh")).toBeUndefined();
    expect(await Connection.requireRegistered(staleDb, "fresh")).toMatchObject({ connectionId: "fresh", role: "speaker" });
    await Connection.leave(db, "fresh");
  });

  it("joins listeners only in an offered language, and to an active session", async () => {
    await Connection.join(db, "lis", { sessionId: session.sessionId, role: "listener", language: "es" });
    await expect(Connection.join(db, "lis-de", { sessionId: session.sessionId, role: "listener", language: "de" })).rejects.toMatchObject({
      code: "unsupported_language",
      message: expect.stringContaining("es, fr"),
    });
    await expect(Connection.join(db, "lis-x", { sessionId: "no-such-1", role: "listener", language: "es" })).rejects.toMatchObject({
      code: "session_not_found",
    });
  });

  it("switches a listener's language; a speaker cannot", async () => {
    const listener = await Connection.join(db, "switch", { sessionId: session.sessionId, role: "listener", language: "es" });
    await Connection.setLanguage(db, listener, "fr");
    expect(await Connection.requireRegistered(db, "switch")).toMatchObject({ language: "fr", connectedAt: listener.connectedAt });
    await expect(Connection.setLanguage(db, listener, "de")).rejects.toMatchObject({ code: "unsupported_language" });
    const speaker = (await Connection.get(db, "spk"))!;
    await expect(Connection.setLanguage(db, speaker, "fr")).rejects.toMatchObject({ code: "bad_request" });
  });

  it("leaves, and is then not registered", async () => {
    await Connection.join(db, "leaving", { sessionId: session.sessionId, role: "listener", language: "fr" });
    expect(await Connection.leave(db, "leaving")).toMatchObject({ connectionId: "leaving", language: "fr" });
    expect(await Connection.leave(db, "leaving")).toBeUndefined();
    await expect(Connection.requireRegistered(db, "leaving")).rejects.toMatchObject({ code: "not_found", status: 404 });
  });

  it("reads a session's audience by language through the index, apart from other sessions", async () => {
    const other = await Session.create(db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
    await Connection.join(db, "other-es", { sessionId: other.sessionId, role: "listener", language: "es" });
    const audience = await Audience.of(db, session.sessionId);
    expect(audience.speakers).toEqual(["spk"]);
    expect(Object.fromEntries([...audience.listenersByLanguage].map(([language, ids]) => [language, ids.length]))).toEqual({ es: 1, fr: 1 });
    expect(await Audience.speakersOf(db, session.sessionId)).toEqual(["spk"]);
    expect(await Admission.counts(db, session.sessionId)).toEqual({ es: 1, fr: 1 });
  });

  it("joins a bundled listener as one that takes parts, one message each, and tells it apart in the audience", async () => {
    const bundledSession = await Session.create(db, { source: ["en"], target: ["es", "fr"] }, { sourceLanguage: "en" });
    const query = { sessionId: bundledSession.sessionId, role: "listener" as const, language: "es" };
    expect(await Connection.join(db, "b-es", { ...query, bundled: "1" })).toMatchObject({ parts: true, bundled: true });
    await Connection.join(db, "p-es", { ...query, parts: "1" });
    await Connection.join(db, "w-fr", { ...query, language: "fr", bundled: "0" });
    const audience = await Audience.of(db, bundledSession.sessionId);
    expect(audience.bundledListenersByLanguage).toEqual(new Map([["es", ["b-es"]]]));
    expect(audience.partListenersByLanguage).toEqual(new Map([["es", ["p-es"]]]));
    expect(audience.listenersByLanguage).toEqual(new Map([["fr", ["w-fr"]]]));
    expect(await Admission.counts(db, bundledSession.sessionId)).toEqual({ es: 2, fr: 1 });
    expect(Audience.everyone(audience).sort()).toEqual(["b-es", "p-es", "w-fr"]);
    const parts = Audience.ofParts(audience);
    expect(Audience.hasListeners(parts)).toBe(true);
    expect(parts.bundledListenersByLanguage).toEqual(new Map([["es", ["b-es"]]]));
    expect(Audience.hasListeners(Audience.ofParts(Audience.from([{ connectionId: "w", role: "listener", language: "fr" }])))).toBe(false);
  });
});

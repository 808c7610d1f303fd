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
});

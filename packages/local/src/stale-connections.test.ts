import { Broadcast } from "@livetranslate/core/domain/broadcast";
import { Connection } from "@livetranslate/core/domain/connection";
import { Session } from "@livetranslate/core/domain/session";
import { memoryLog } from "@livetranslate/core/log";
import { startTestTable, type TestTable } from "@livetranslate/testing/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetStaleConnections } from "./stale-connections.ts";

describe("a restart of local mode forgets the connections of the process before", () => {
  let dynamo: TestTable;
  beforeAll(async () => {
    dynamo = await startTestTable("stale");
  });
  afterAll(() => dynamo.close());

  it("forgets every connection and every admitted listener, so counts and the cap start from the listeners that come back", async () => {
    // Prepare: a full session (two places) whose listeners were connected to the process that stopped.
    const { db } = dynamo;
    const { sessionId, speakerToken } = await Session.create(db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
    const limits = { maxListenersPerSession: 2 };
    await Connection.join(db, "old-speaker", { sessionId, role: "speaker", token: speakerToken });
    for (const id of ["old-1", "old-2"]) await Connection.join(db, id, { sessionId, role: "listener", language: "es" }, { limits });
    // Act
    const forgotten = await forgetStaleConnections(db, memoryLog());
    // Assess: the listeners reconnect under new ids, and are counted once each.
    expect(forgotten).toBe(3);
    expect((await Session.view(db, sessionId)).listeners).toEqual({});
    for (const id of ["new-1", "new-2"]) await Connection.join(db, id, { sessionId, role: "listener", language: "es" }, { limits });
    expect((await Session.view(db, sessionId)).listeners).toEqual({ es: 2 });
  });

  it("disconnects every listener by broadcast as of the restart: it stops counting, and connecting to the new broker with its pass admits it again", async () => {
    // Prepare: a listener by broadcast connected to the broker of the process that stopped.
    const { db } = dynamo;
    const { sessionId } = await Session.create(db, { source: ["en"], target: ["es"] }, { sourceLanguage: "en" });
    const pass = await Broadcast.join(db, { sessionId, language: "es" });
    await Broadcast.observe(db, { listenerId: pass.listenerId, connected: true, at: Date.now() - 1000 });
    const restartedAt = Date.now();
    // Act
    await forgetStaleConnections(db, memoryLog(), restartedAt);
    // Assess
    expect(await Broadcast.present(db, sessionId, restartedAt + Broadcast.PRESENCE_READ_REUSE_MS)).toEqual(new Map());
    expect((await Session.view(db, sessionId)).listeners).toEqual({});
    expect(await Broadcast.observe(db, { listenerId: pass.listenerId, connected: true, at: restartedAt + 1 })).toBe("connected");
    expect((await Session.view(db, sessionId)).listeners).toEqual({ es: 1 });
  });
});

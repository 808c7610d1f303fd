import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addConnection, audienceOf, listenerCounts, listSessionConnections, removeConnection } from "../connection/index.ts";
import { createSession, getSession, isSpeakerToken, markSessionEnded, requireActiveSession } from "../session/index.ts";
import { type StandIn, startDynalite } from "../standins/index.ts";
import { guardDeclaredCalls } from "../testing/iam.ts";
import { createDb, DB_IAM_ACTIONS, type Db, ensureTable } from "./index.ts";

const languages = { source: ["en"], target: ["es", "fr", "pt"] };

describe("entities on dynalite", () => {
  let dynamo: StandIn;
  let db: Db;
  beforeAll(async () => {
    dynamo = await startDynalite();
    const client = () =>
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await ensureTable(client(), "entities");
    await ensureTable(client(), "entities"); // idempotent
    // The entities send only what DB_IAM_ACTIONS declares (the grants infra gives the functions).
    db = createDb({ table: "entities", client: guardDeclaredCalls(client(), DB_IAM_ACTIONS) });
  });
  afterAll(() => dynamo.close());

  it("creates a session whose token is stored only as a hash", async () => {
    const created = await createSession(db, languages, { sourceLanguage: "en", targetLanguages: ["fr", "es", "fr", "en"] });
    expect(created.targetLanguages).toEqual(["fr", "es"]);
    const stored = await getSession(db, created.sessionId);
    expect(stored).toMatchObject({ sourceLanguage: "en", status: "active" });
    expect(JSON.stringify(stored)).not.toContain(created.speakerToken);
    expect(isSpeakerToken(stored!, created.speakerToken)).toBe(true);
    expect(isSpeakerToken(stored!, `${created.speakerToken}x`)).toBe(false);
  });

  it("ends a session", async () => {
    const { sessionId } = await createSession(db, languages, { sourceLanguage: "en" });
    await requireActiveSession(db, sessionId);
    await markSessionEnded(db, sessionId);
    await expect(requireActiveSession(db, sessionId)).rejects.toMatchObject({ code: "session_ended" });
    await expect(requireActiveSession(db, "no-such-1")).rejects.toMatchObject({ code: "session_not_found" });
  });

  it("finds a session's connections by language through the index", async () => {
    const { sessionId } = await createSession(db, languages, { sourceLanguage: "en" });
    const other = await createSession(db, languages, { sourceLanguage: "en" });
    await addConnection(db, { connectionId: "s1", sessionId, role: "speaker", language: "en" });
    await addConnection(db, { connectionId: "a", sessionId, role: "listener", language: "es" });
    await addConnection(db, { connectionId: "b", sessionId, role: "listener", language: "es" });
    await addConnection(db, { connectionId: "c", sessionId, role: "listener", language: "fr" });
    await addConnection(db, { connectionId: "x", sessionId: other.sessionId, role: "listener", language: "es" });
    const audience = audienceOf(await listSessionConnections(db, sessionId));
    expect(audience.speakers).toEqual(["s1"]);
    expect(listenerCounts(audience)).toEqual({ es: 2, fr: 1 });
    expect(await removeConnection(db, "b")).toMatchObject({ connectionId: "b", language: "es" });
    expect(listenerCounts(audienceOf(await listSessionConnections(db, sessionId)))).toEqual({ es: 1, fr: 1 });
  });

  it("stores stream state with binary audio intact", async () => {
    const pendingAudio = new Uint8Array([0, 1, 2, 255, 254, 128]);
    await db.entities.streamState
      .put({ sessionId: "bin-test-1", order: { lastChunkIndex: 4, held: [] }, segmenter: { a: 1 }, pendingAudio, updatedAt: 1, expiresAt: 2 })
      .go();
    const { data } = await db.entities.streamState.get({ sessionId: "bin-test-1" }).go();
    expect(new Uint8Array(data!.pendingAudio as Uint8Array)).toEqual(pendingAudio);
    expect(data!.order).toEqual({ lastChunkIndex: 4, held: [] });
  });

  it("claims a segment once", async () => {
    const claim = () => db.entities.segmentClaim.create({ sessionId: "claim-test-1", sequenceNumber: 3, claimedAt: 1, expiresAt: 2 }).go();
    await claim();
    await expect(claim()).rejects.toThrow(/conditional/i);
  });
});

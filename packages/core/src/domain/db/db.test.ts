import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addConnection, audienceOf, listenerCounts, listSessionConnections, removeConnection } from "../connection/index.ts";
import { createSession, getSession, isConditionalFailure, isSpeakerToken, markSessionEnded, requireActiveSession } from "../session/index.ts";
import { type StandIn, startDynalite } from "../../adapters/standins/index.ts";
import { guardDeclaredCalls } from "../../testing/iam.ts";
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

  it("stores the consumer's checkpoint as JSON and refuses a write from a stale revision", async () => {
    const checkpoint = { sessionId: "ckpt-test-1", revision: 1, order: { lastChunkIndex: 4, held: [6], skipped: [] }, segmenter: { a: 1 }, buffer: { firstSample: 0, chunks: [[0, 4]] }, updatedAt: 1, expiresAt: 2 };
    await db.entities.streamState.create(checkpoint).go();
    const { data } = await db.entities.streamState.get({ sessionId: "ckpt-test-1" }).go({ consistent: true });
    expect(data).toMatchObject({ revision: 1, order: { lastChunkIndex: 4, held: [6] }, buffer: { chunks: [[0, 4]] } });
    const write = (from: number) =>
      db.entities.streamState.put({ ...checkpoint, revision: from + 1 }).where(({ revision }, { eq }) => eq(revision, from)).go();
    await write(1);
    const stale = await write(1).catch((error: unknown) => error);
    expect(isConditionalFailure(stale)).toBe(true);
    expect(isConditionalFailure(new Error("The conditional request failed"))).toBe(false);
  });

  it("creates a delivery once", async () => {
    const key = { sessionId: "claim-test-1", sequenceNumber: 3, recipients: "es", part: "audio" as const };
    const claim = () => db.entities.delivery.create({ ...key, status: "in_progress", revision: 1, claimedAt: 1, inProgressUntil: 2, attempts: 1, expiresAt: 2 }).go();
    await claim();
    expect(isConditionalFailure(await claim().catch((error: unknown) => error))).toBe(true);
  });
});

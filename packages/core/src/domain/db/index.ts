/**
 * Sessions, connections and the consumer's per-session stream state, as ElectroDB entities in one table.
 * Built from `{ table, client }` so the same entities run against dynalite locally and DynamoDB in AWS.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Entity, Service } from "electrodb";
import type { IamAction } from "../../adapters/aws/iam.ts";

const service = "livetranslate";
/** Records live one day after their last write (DynamoDB TTL; local mode sweeps them). */
export const RECORD_TTL_SECONDS = 24 * 60 * 60;

export function expiresAt(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000) + RECORD_TTL_SECONDS;
}

/**
 * What the entities' operations send to DynamoDB: get, put/create, patch, delete, and queries (the by-session
 * query reads the gsi1 index). Creating the table is local mode's job and not granted in AWS.
 */
export const DB_IAM_ACTIONS: readonly IamAction[] = [
  { action: "dynamodb:GetItem", resource: "table" },
  { action: "dynamodb:PutItem", resource: "table" },
  { action: "dynamodb:UpdateItem", resource: "table" },
  { action: "dynamodb:DeleteItem", resource: "table" },
  { action: "dynamodb:Query", resource: "table" },
  { action: "dynamodb:Query", resource: "tableIndex" },
];

export interface DbConfig {
  table: string;
  client: DynamoDBClient;
}

export function createDb({ table, client }: DbConfig) {
  const config = { table, client };

  const session = new Entity(
    {
      model: { entity: "session", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        speakerTokenHash: { type: "string", required: true },
        sourceLanguage: { type: "string", required: true },
        targetLanguages: { type: "list", items: { type: "string" }, required: true },
        status: { type: ["active", "ended"] as const, required: true, default: "active" },
        createdAt: { type: "number", required: true },
        endedAt: { type: "number" },
        keepTranscript: { type: "boolean" },
        /** The session's glossary (JSON): terms and their translation per language. */
        glossary: { type: "any" },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["sessionId"] },
          sk: { field: "sk", composite: [] },
        },
      },
    },
    config,
  );

  const connection = new Entity(
    {
      model: { entity: "connection", version: "1", service },
      attributes: {
        connectionId: { type: "string", required: true },
        sessionId: { type: "string", required: true },
        role: { type: ["speaker", "listener"] as const, required: true },
        language: { type: "string", required: true },
        parts: { type: "boolean" },
        bundled: { type: "boolean" },
        connectedAt: { type: "number", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["connectionId"] },
          sk: { field: "sk", composite: [] },
        },
        bySession: {
          index: "gsi1",
          pk: { field: "gsi1pk", composite: ["sessionId"] },
          sk: { field: "gsi1sk", composite: ["role", "language", "connectionId"] },
        },
      },
    },
    config,
  );

  /**
   * A listener by broadcast: it holds no connection here (the broker does), so this record is its presence and the
   * proof behind its short-lived token. `seenAt` moves with each heartbeat; the token is only stored hashed.
   */
  const broadcastListener = new Entity(
    {
      model: { entity: "broadcastListener", version: "1", service },
      attributes: {
        listenerId: { type: "string", required: true },
        sessionId: { type: "string", required: true },
        language: { type: "string", required: true },
        tokenHash: { type: "string", required: true },
        joinedAt: { type: "number", required: true },
        seenAt: { type: "number", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["listenerId"] },
          sk: { field: "sk", composite: [] },
        },
        bySession: {
          index: "gsi1",
          pk: { field: "gsi1pk", composite: ["sessionId"] },
          sk: { field: "gsi1sk", composite: ["language", "listenerId"] },
        },
      },
    },
    config,
  );

  /**
   * The consumer's checkpoint per session: where it left off, a few KB. It holds no audio: the open segment's
   * audio and the chunks waiting for a missing one are read back from the stream (`replay`) by an execution
   * environment that does not have them in memory. `revision` counts the batches behind it; each write is
   * conditional on the revision it read, so a stale writer cannot rewind it.
   */
  const streamState = new Entity(
    {
      model: { entity: "streamState", version: "2", service },
      attributes: {
        sessionId: { type: "string", required: true },
        revision: { type: "number", required: true },
        /** Last chunk index processed, indexes of chunks held for a missing one, recent skipped ranges (JSON). */
        order: { type: "any", required: true },
        /** The segmenter's serializable state (JSON). */
        segmenter: { type: "any", required: true },
        /** Which chunks make up the segmenter's buffer: index ranges and the session sample of the first (JSON). */
        buffer: { type: "any", required: true },
        /** Stream positions to read back to rebuild the buffer and the held chunks (JSON), absent when none. */
        replay: { type: "any" },
        /** Maps audio offsets to the speaker's capture clock (JSON). */
        clock: { type: "any" },
        statusSentAt: { type: "number" },
        statusKey: { type: "string" },
        /** What the consumer sheds while behind real time (0 none, 1 interims, 2 interims and translated speech). */
        load: { type: "number" },
        /** What of the open segment went out in parts (JSON): the texts committed, where the next part starts. */
        parts: { type: "any" },
        ended: { type: "boolean" },
        updatedAt: { type: "number", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["sessionId"] },
          sk: { field: "sk", composite: [] },
        },
      },
    },
    config,
  );

  /**
   * One row per (segment, recipients, part): the speaker's caption, or a language's caption, translation or
   * audio. In progress while being produced (with an expiry), done once every message went out: a retried
   * batch skips what is done and takes over what a crashed attempt left in progress.
   */
  const delivery = new Entity(
    {
      model: { entity: "delivery", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        sequenceNumber: { type: "number", required: true },
        /** "speaker", or the language of the listeners this is for. */
        recipients: { type: "string", required: true },
        part: { type: ["caption", "translation", "audio", "bundle"] as const, required: true },
        status: { type: ["in_progress", "done"] as const, required: true },
        /** The checkpoint revision the claiming batch started from. */
        revision: { type: "number", required: true },
        claimedAt: { type: "number", required: true },
        /** An in-progress claim older than this belongs to an attempt that is over (epoch ms). */
        inProgressUntil: { type: "number", required: true },
        attempts: { type: "number", required: true },
        /** Set when the delivery was given up after too many failed attempts. */
        abandoned: { type: "boolean" },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["sessionId"] },
          sk: { field: "sk", composite: ["sequenceNumber", "recipients", "part"] },
        },
      },
    },
    config,
  );

  /**
   * A segment of a session that keeps its transcript: its source text and its translation into every target
   * language, timed from the session's audio. Lives as long as the session's records.
   */
  const transcriptSegment = new Entity(
    {
      model: { entity: "transcriptSegment", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        sequenceNumber: { type: "number", required: true },
        startMs: { type: "number", required: true },
        endMs: { type: "number", required: true },
        text: { type: "string", required: true },
        /** Target language -> translated text (JSON). */
        translations: { type: "any", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["sessionId"] },
          sk: { field: "sk", composite: ["sequenceNumber"] },
        },
      },
    },
    config,
  );

  return new Service({ session, connection, broadcastListener, streamState, delivery, transcriptSegment }, config);
}

export type Db = ReturnType<typeof createDb>;

/** A conditional write refused, by the AWS error's class name (ElectroDB wraps it as the `cause`). */
export function isConditionalFailure(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === "ConditionalCheckFailedException") return true;
  }
  return false;
}

/** The table the entities need, for creating it locally (infra declares the same shape for AWS). */
export function tableDefinition(table: string) {
  return {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" as const },
      { AttributeName: "sk", AttributeType: "S" as const },
      { AttributeName: "gsi1pk", AttributeType: "S" as const },
      { AttributeName: "gsi1sk", AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" as const },
      { AttributeName: "sk", KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: "gsi1",
        KeySchema: [
          { AttributeName: "gsi1pk", KeyType: "HASH" as const },
          { AttributeName: "gsi1sk", KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}

/** Creates the table unless it exists and waits until it is ACTIVE (local mode and tests; AWS has infra). */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch {
    await client.send(new CreateTableCommand(tableDefinition(table)));
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${table} did not become ACTIVE`);
}

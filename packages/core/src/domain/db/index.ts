/**
 * The one table: every concept's ElectroDB entity (beside the concept: session, connection, transcript, delivery;
 * the consumer's per-session stream state here) in one Service. Built from `{ table, client }` so the same
 * entities run against dynalite locally and DynamoDB in AWS.
 */
import { Entity, Service } from "electrodb";
import type { IamAction } from "../../ports/iam.ts";
import { connectionEntity } from "../connection/entity.ts";
import { sessionEntity } from "../session/entity.ts";
import { transcriptSegmentEntity } from "../transcript/entity.ts";
import { deliveryEntity } from "../../streaming/delivery/entity.ts";
import { type DbConfig, SERVICE as service } from "./table.ts";

export { type DbConfig, ensureTable, tableDefinition } from "./table.ts";

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

export function createDb({ table, client }: DbConfig) {
  const config = { table, client };

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

  return new Service(
    {
      session: sessionEntity(config),
      connection: connectionEntity(config),
      streamState,
      delivery: deliveryEntity(config),
      transcriptSegment: transcriptSegmentEntity(config),
    },
    config,
  );
}

export type Db = ReturnType<typeof createDb>;

/** A conditional write refused, by the AWS error's class name (ElectroDB wraps it as the `cause`). */
export function isConditionalFailure(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === "ConditionalCheckFailedException") return true;
  }
  return false;
}

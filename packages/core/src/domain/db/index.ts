/**
 * The one table: every concept's ElectroDB entity (beside the concept: session, connection, admission, rate limit, broadcast,
 * transcript, delivery, carried part) in one Service; the consumer's checkpoint builds its own on the same config. Built from `{ table, client }`
 * so the same entities run against dynalite locally and DynamoDB in AWS.
 */
import { Service } from "electrodb";
import type { IamAction } from "../../ports/iam.ts";
import { admissionEntity, admissionPlaceEntity } from "../admission/entity.ts";
import { broadcastListenerEntity } from "../broadcast/entity.ts";
import { connectionEntity } from "../connection/entity.ts";
import { rateWindowEntity } from "../rate-limit/entity.ts";
import { sessionEntity } from "../session/entity.ts";
import { transcriptSegmentEntity } from "../transcript/entity.ts";
import { carriedPartEntity } from "../../streaming/carried-parts/entity.ts";
import { deliveryEntity } from "../../streaming/delivery/entity.ts";
import type { DbConfig } from "./table.ts";

export { type DbConfig, ensureTable, SERVICE as DB_SERVICE, tableDefinition } from "./table.ts";

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

  const service = new Service(
    {
      session: sessionEntity(config),
      connection: connectionEntity(config),
      broadcastListener: broadcastListenerEntity(config),
      admission: admissionEntity(config),
      admissionPlace: admissionPlaceEntity(config),
      rateWindow: rateWindowEntity(config),
      delivery: deliveryEntity(config),
      carriedPart: carriedPartEntity(config),
      transcriptSegment: transcriptSegmentEntity(config),
    },
    config,
  );
  // The config goes with the service: entities kept beside their own code (the consumer's checkpoint) are built on
  // the same table and client.
  return Object.assign(service, { config });
}

export type Db = ReturnType<typeof createDb>;

/** A conditional write refused, by the AWS error's class name (ElectroDB wraps it as the `cause`). */
export function isConditionalFailure(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === "ConditionalCheckFailedException") return true;
  }
  return false;
}

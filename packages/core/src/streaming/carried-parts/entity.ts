import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../../domain/db/table.ts";

/**
 * One row per part a broadcast channel (session, language) still owes its listeners: its own publish was refused by
 * IoT Core's quota past its retry budget, and the channel's next publish carries it. Deleted once carried.
 */
export function carriedPartEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "carriedPart", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        language: { type: "string", required: true },
        sequenceNumber: { type: "number", required: true },
        part: { type: "number", required: true },
        /** The part as the listener gets it (protocol's `CarriedPart`, JSON). */
        message: { type: "any", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byChannel: {
          pk: { field: "pk", composite: ["sessionId", "language"] },
          sk: { field: "sk", composite: ["sequenceNumber", "part"] },
        },
      },
    },
    config,
  );
}

export type CarriedPartEntity = ReturnType<typeof carriedPartEntity>;

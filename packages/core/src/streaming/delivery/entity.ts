import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../../domain/db/table.ts";

/**
 * One row per (segment, recipients, part): the speaker's caption, or a language's caption, translation or
 * audio. In progress while being produced (with an expiry), done once every message went out: a retried
 * batch skips what is done and takes over what a crashed attempt left in progress.
 */
export function deliveryEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "delivery", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        sequenceNumber: { type: "number", required: true },
        /** "speaker", or the language of the listeners this is for. */
        recipients: { type: "string", required: true },
        part: { type: ["caption", "translation", "audio"] as const, required: true },
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
}

export type DeliveryEntity = ReturnType<typeof deliveryEntity>;

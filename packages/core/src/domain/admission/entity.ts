/**
 * The listeners admitted to a session, as two kinds of small item (index.ts says how they are kept in step):
 * - the session's counter: how many are admitted, in all (`total`, the cap's condition) and per language (`counts`,
 *   a map from language to count, so its size grows with the languages heard, never with the audience);
 * - a place per admitted listener and language, its key all it holds (by session, then language and listener): the
 *   guard that makes a retried admission or release count once.
 */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

export function admissionEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "admission", version: "2", service },
      attributes: {
        sessionId: { type: "string", required: true },
        total: { type: "number", required: true },
        /** Listeners per language; a language whose listeners all left stays at 0. */
        counts: { type: "any", required: true },
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
}

export function admissionPlaceEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "admissionPlace", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        language: { type: "string", required: true },
        connectionId: { type: "string", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        bySession: {
          pk: { field: "pk", composite: ["sessionId"] },
          sk: { field: "sk", composite: ["language", "connectionId"] },
        },
      },
    },
    config,
  );
}

export type AdmissionEntity = ReturnType<typeof admissionEntity>;
export type AdmissionPlaceEntity = ReturnType<typeof admissionPlaceEntity>;

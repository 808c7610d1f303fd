/**
 * The listeners admitted to a session, kept on one item per session: a string set of `<language> <connectionId>`.
 * Set updates are idempotent (adding a member twice or removing a missing one changes nothing), so a retried join,
 * language change or disconnect never counts twice, and the cap is one conditional update on the set's size.
 */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

export function admissionEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "admission", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        listeners: { type: "set", items: "string" },
        /** The cap the last admission was checked against. */
        maxListeners: { type: "number" },
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

export type AdmissionEntity = ReturnType<typeof admissionEntity>;

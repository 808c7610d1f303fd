/** A WebSocket connection as stored: by its id, and by session (gsi1) for the session's audience. */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

export function connectionEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "connection", version: "1", service },
      attributes: {
        connectionId: { type: "string", required: true },
        sessionId: { type: "string", required: true },
        role: { type: ["speaker", "listener"] as const, required: true },
        language: { type: "string", required: true },
        parts: { type: "boolean" },
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
}

export type ConnectionEntity = ReturnType<typeof connectionEntity>;

/**
 * A listener by broadcast as stored: it holds no connection here (the broker does), so this record is its presence
 * and the proof behind its short-lived token. `seenAt` moves with each renewal; `presence` follows the broker's
 * connect and disconnect events (`presenceAt`, `presenceVersion`: the event in effect, so an older one never
 * overrides it). The token is only stored hashed.
 * By its id, and by session (gsi1) for the session's audience.
 */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

export function broadcastListenerEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "broadcastListener", version: "1", service },
      attributes: {
        listenerId: { type: "string", required: true },
        sessionId: { type: "string", required: true },
        language: { type: "string", required: true },
        tokenHash: { type: "string", required: true },
        joinedAt: { type: "number", required: true },
        seenAt: { type: "number", required: true },
        presence: { type: ["joined", "connected", "disconnected"] as const },
        presenceAt: { type: "number" },
        presenceVersion: { type: "number" },
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
}

export type BroadcastListenerEntity = ReturnType<typeof broadcastListenerEntity>;

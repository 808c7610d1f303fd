/** A session as stored: one item per session, keyed by its id. */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

export function sessionEntity(config: DbConfig) {
  return new Entity(
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
        lastChunkIndex: { type: "number" },
        keepTranscript: { type: "boolean" },
        /** The session's glossary (JSON): terms and their translation per language. */
        glossary: { type: "any" },
        /** A private session's join key, hashed (SHA-256). */
        joinKeyHash: { type: "string" },
        speakerAccount: { type: "string" },
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

export type SessionEntity = ReturnType<typeof sessionEntity>;

/** Requests counted per client in its current window, shared by every execution environment (and expired by TTL). */
import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

export function rateWindowEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "rateWindow", version: "1", service },
      attributes: {
        /** What is limited and for whom, e.g. `listener-reports 203.0.113.7`. */
        key: { type: "string", required: true },
        hits: { type: "number" },
        /** When the window that began at the client's first request ends (epoch ms). */
        resetAt: { type: "number" },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byKey: {
          pk: { field: "pk", composite: ["key"] },
          sk: { field: "sk", composite: [] },
        },
      },
    },
    config,
  );
}

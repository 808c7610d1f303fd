import { Entity } from "electrodb";
import { type DbConfig, SERVICE as service } from "../db/table.ts";

/**
 * A segment of a session that keeps its transcript: its source text and its translation into every target
 * language, timed from the session's audio. Lives as long as the session's records.
 */
export function transcriptSegmentEntity(config: DbConfig) {
  return new Entity(
    {
      model: { entity: "transcriptSegment", version: "1", service },
      attributes: {
        sessionId: { type: "string", required: true },
        sequenceNumber: { type: "number", required: true },
        startMs: { type: "number", required: true },
        endMs: { type: "number", required: true },
        text: { type: "string", required: true },
        /** Target language -> translated text (JSON). */
        translations: { type: "any", required: true },
        expiresAt: { type: "number", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["sessionId"] },
          sk: { field: "sk", composite: ["sequenceNumber"] },
        },
      },
    },
    config,
  );
}

export type TranscriptSegmentEntity = ReturnType<typeof transcriptSegmentEntity>;

/**
 * What a consumer does with a batch of stream records, wherever the batch comes from (Lambda's event, the service's
 * shard subscription, local mode's poller through the Lambda handler): decode each record, group them by session in
 * stream order, and hand each session its records (sessions in parallel). Grouping lets a session's checkpoint be
 * read and written once per batch. A record that does not decode can never succeed: it is logged and passed over
 * rather than block the shard. The stream's record format is the adapter's (`decodeIngestRecord`), handed in.
 */
import type { Log } from "../../log.ts";
import type { IngestRecord, Measurements, PositionedRecord, StreamPosition } from "../../ports/index.ts";

/** What a batch's sessions are handed to (core's StreamConsumer, or a test's fake). */
export interface SessionConsumer {
  consumeSession(sessionId: string, records: readonly PositionedRecord[]): Promise<void>;
  close(): Promise<void> | void;
}

/** One record as read from the stream: its data (raw bytes, or base64 text in a Lambda event) and where it sits. */
export interface StreamRecord {
  data: Uint8Array | string;
  partitionKey: string;
  position: StreamPosition;
}

/** Reads a record's data; throws an error naming what is wrong with it. */
export type DecodeRecord = (data: Uint8Array | string) => IngestRecord;

/** One session's records of a batch, in stream order. */
export interface SessionRecords {
  sessionId: string;
  /** The sequence number of the session's first record in the batch. */
  firstSequenceNumber: string;
  records: PositionedRecord[];
}

export interface SessionFailure {
  session: SessionRecords;
  error: unknown;
}

export function groupBySession(records: readonly StreamRecord[], decode: DecodeRecord, log: Log): SessionRecords[] {
  const bySession = new Map<string, SessionRecords>();
  for (const record of records) {
    let decoded: PositionedRecord;
    try {
      decoded = { ...decode(record.data), position: record.position };
    } catch (error) {
      log({
        level: "error",
        event: "consumer.poison_record",
        sequenceNumber: record.position.sequenceNumber,
        partitionKey: record.partitionKey,
        error: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const group = bySession.get(decoded.sessionId) ?? { sessionId: decoded.sessionId, firstSequenceNumber: record.position.sequenceNumber, records: [] };
    group.records.push(decoded);
    bySession.set(decoded.sessionId, group);
  }
  return [...bySession.values()];
}

/** Hands each session its records, all at once; returns the sessions that failed, each failure logged and counted. */
export async function consumeSessions(
  consumer: Pick<SessionConsumer, "consumeSession">,
  sessions: readonly SessionRecords[],
  { log, measurements }: { log: Log; measurements: Pick<Measurements, "count"> },
): Promise<SessionFailure[]> {
  const outcomes = await Promise.all(
    sessions.map(async (session): Promise<SessionFailure | undefined> => {
      try {
        await consumer.consumeSession(session.sessionId, session.records);
        return undefined;
      } catch (error) {
        log({
          level: "error",
          event: "consumer.session_failed",
          sessionId: session.sessionId,
          errorName: (error as Error)?.name,
          error: error instanceof Error ? error.stack : String(error),
        });
        measurements.count("SessionBatchFailures");
        return { session, error };
      }
    }),
  );
  return outcomes.filter((outcome) => outcome !== undefined);
}

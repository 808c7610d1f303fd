/**
 * The Kinesis consumer: decodes the batch, processes each session's records in order (sessions in
 * parallel), and reports partial batch failures so only the failed session's records come back.
 * Records are grouped per session rather than handled one by one, so each session's checkpoint is read
 * and written once per batch. Each record carries where it sits in the stream (shard and sequence number, from
 * `eventID`), so an execution environment can read the open segment back from there.
 */
import { decodeIngestRecord, positionOfEventRecord } from "@livetranslate/core/adapters/aws/kinesis";
import type { PositionedRecord } from "@livetranslate/core/ports";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { Adapters } from "../adapters.ts";

export function createStreamHandler({ consumer, measurements, log }: Pick<Adapters, "consumer" | "measurements" | "log">) {
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    try {
      return await consumeBatch(consumer, measurements, log, event);
    } finally {
      measurements.flush();
    }
  };
}

async function consumeBatch(
  consumer: Adapters["consumer"],
  measurements: Adapters["measurements"],
  log: Adapters["log"],
  event: KinesisStreamEvent,
): Promise<KinesisStreamBatchResponse> {
  const bySession = new Map<string, { firstSequenceNumber: string; records: PositionedRecord[] }>();
  for (const record of event.Records) {
    let decoded: PositionedRecord;
    try {
      decoded = { ...decodeIngestRecord(record.kinesis.data), position: positionOfEventRecord(record) };
    } catch (error) {
      // A poison record can never succeed: log it and move on rather than block the shard.
      log({
        level: "error",
        event: "consumer.poison_record",
        sequenceNumber: record.kinesis.sequenceNumber,
        partitionKey: record.kinesis.partitionKey,
        error: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const group = bySession.get(decoded.sessionId) ?? { firstSequenceNumber: record.kinesis.sequenceNumber, records: [] };
    group.records.push(decoded);
    bySession.set(decoded.sessionId, group);
  }

  const failures = await Promise.all(
    [...bySession].map(async ([sessionId, group]) => {
      try {
        await consumer.consumeSession(sessionId, group.records);
        return undefined;
      } catch (error) {
        log({
          level: "error",
          event: "consumer.session_failed",
          sessionId,
          errorName: (error as Error)?.name,
          error: error instanceof Error ? error.stack : String(error),
        });
        measurements.count("SessionBatchFailures");
        return { itemIdentifier: group.firstSequenceNumber };
      }
    }),
  );
  return { batchItemFailures: failures.filter((f) => f !== undefined) };
}

/**
 * The Kinesis consumer as a Lambda handler: core's session batch over the event's records, and partial batch failures
 * so only a failed session's records come back (from its first one). Each record carries where it sits in the stream
 * (shard and sequence number, from `eventID`), so an execution environment can read the open segment back from there.
 */
import { decodeIngestRecord, positionOfEventRecord } from "@livetranslate/core/adapters/aws/kinesis";
import { consumeSessions, groupBySession } from "@livetranslate/core/streaming/session-batch";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { Adapters } from "../adapters.ts";

export function createStreamHandler({ consumer, measurements, log }: Pick<Adapters, "consumer" | "measurements" | "log">) {
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    try {
      const sessions = groupBySession(
        event.Records.map((record) => ({ data: record.kinesis.data, partitionKey: record.kinesis.partitionKey, position: positionOfEventRecord(record) })),
        decodeIngestRecord,
        log,
      );
      const failures = await consumeSessions(consumer, sessions, { log, measurements });
      return { batchItemFailures: failures.map(({ session }) => ({ itemIdentifier: session.firstSequenceNumber })) };
    } finally {
      measurements.flush();
    }
  };
}

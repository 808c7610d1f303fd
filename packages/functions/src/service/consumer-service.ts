/**
 * The consumer as one long-running process (an ECS service in AWS): core's shard subscription reads every shard
 * through the stream's enhanced fan-out consumer and hands each session's records to the same consumer the Lambda
 * handler used, always warm, so one process holds each session's recognizer stream. ECS stops a task with SIGTERM,
 * then SIGKILL 30 s later: on the signal, reading stops, the batches in flight finish and each shard's progress is
 * written, then the consumer closes its recognizer streams.
 */
import { decodeIngestRecord } from "@livetranslate/core/adapters/aws/kinesis";
import { ShardSubscription } from "@livetranslate/core/streaming/shard-subscription";
import type { Adapters } from "../adapters.ts";
import { STREAM_EVENT_SOURCE } from "../deployment.ts";

export type ConsumerServiceNeeds = "consumer" | "fanOut" | "shardProgress" | "failedBatches" | "measurements" | "log";

export interface ConsumerService {
  /** Reads the stream until `stop` is aborted, then drains and resolves. */
  run(stop: AbortSignal): Promise<void>;
}

export function createConsumerService({ consumer, fanOut, shardProgress, failedBatches, measurements, log }: Pick<Adapters, ConsumerServiceNeeds>): ConsumerService {
  const missing = Object.entries({ fanOut, shardProgress, failedBatches })
    .filter(([, adapter]) => adapter === undefined)
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`the consumer service needs ${missing.join(", ")}: local mode reads the stream with its poller instead`);
  const reader = new ShardSubscription({
    client: fanOut!.client,
    consumerArn: fanOut!.consumerArn,
    consumer,
    decode: decodeIngestRecord,
    progress: shardProgress!,
    failures: failedBatches!,
    log,
    measurements,
    // As the event source mapping had them: a new deployment starts at the stream's tip, and a session batch gets as
    // many attempts as a delivery (MAX_DELIVERY_ATTEMPTS), so the last attempt gives a part up rather than discards.
    startingPosition: STREAM_EVENT_SOURCE.startingPosition,
    maxRetries: STREAM_EVENT_SOURCE.maximumRetryAttempts,
  });
  return {
    async run(stop) {
      await reader.start();
      log({ level: "info", event: "consumer_service.started", consumerArn: fanOut!.consumerArn });
      await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener("abort", () => resolve(), { once: true })));
      log({ level: "info", event: "consumer_service.stopping" });
      try {
        await reader.stop();
      } finally {
        await consumer.close();
        measurements.flush();
      }
      log({ level: "info", event: "consumer_service.stopped" });
    },
  };
}

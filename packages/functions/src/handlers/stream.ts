/** Lambda entry: the Kinesis consumer, publishing its latency metrics after each batch. */
import type { KinesisStreamEvent } from "aws-lambda";
import { createStreamHandler } from "../stream/consumer.ts";
import { awsDeps, metrics } from "../wiring.ts";

const consume = createStreamHandler(awsDeps);

export const handler = async (event: KinesisStreamEvent) => {
  try {
    return await consume(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};

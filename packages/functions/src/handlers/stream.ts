/** Lambda entry: the Kinesis consumer (its latencies and counters are published after each batch). */
import type { KinesisStreamEvent } from "aws-lambda";
import { awsAdapters, compose } from "../composition.ts";

const handlers = compose(awsAdapters());

export const handler = (event: KinesisStreamEvent) => handlers.Consumer(event);

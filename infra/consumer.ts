// The stream consumer and its event source mapping on the enhanced fan-out consumer: no batching wait, partial batch
// responses, bisect on error, bounded retries, DLQ.
import { broadcastEndpoint, sessionTopics } from "./broadcast";
import { config, functionEnvironment, handler, reservedConcurrency } from "./config";
import { grants } from "./permissions";
import { realtime } from "./realtime";
import { audio, table } from "./storage";
import { consumerFailures, fanOut, stream } from "./stream";

export const consumer = new sst.aws.Function("Consumer", {
  handler: handler("stream"),
  // The stream too: an environment that lacks the open segment reads it back (GetShardIterator, GetRecords).
  link: [table, audio, realtime, stream, broadcastEndpoint],
  permissions: [
    ...grants("Consumer", { table, audio, stream, realtime, broadcastTopics: sessionTopics }),
    // The event source mapping reads with the function's role. SST grants these only to subscribers it creates.
    {
      actions: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams"],
      resources: [stream.nodes.stream.arn],
    },
    { actions: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], resources: [fanOut.arn] },
    { actions: ["sqs:SendMessage"], resources: [consumerFailures.arn] },
  ],
  memory: "1769 MB",
  timeout: "60 seconds",
  // Reserved: a flood on the HTTP or $connect functions cannot take the executions the stream's batches need.
  concurrency: reservedConcurrency(config.reservedConcurrency.Consumer),
  logging: { retention: config.logRetention },
  environment: { ...functionEnvironment(), TRANSLATE_TERMINOLOGY: config.terminology, TRANSLATE_PARTS_IN_CONTEXT: config.partsInContext, TRANSCRIBE_VOCABULARIES: config.transcribeVocabularies },
});

export const consumerEventSource = new aws.lambda.EventSourceMapping("ConsumerEventSource", {
  eventSourceArn: fanOut.arn,
  functionName: consumer.arn,
  ...config.eventSource,
  functionResponseTypes: [...config.eventSource.functionResponseTypes],
  destinationConfig: { onFailure: { destinationArn: consumerFailures.arn } },
});

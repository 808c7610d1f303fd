// The stream consumer, subscribed with the event source mapping settings that keep latency low and
// failures contained: no batching wait, partial batch responses, bisect on error, bounded retries, DLQ.
import { config, handler } from "./config";
import { realtime } from "./realtime";
import { audio, table } from "./storage";
import { consumerFailures, stream } from "./stream";

export const consumer = new sst.aws.Function("Consumer", {
  handler: handler("stream"),
  // The stream too: an environment that lacks the open segment reads it back (GetShardIterator, GetRecords).
  link: [table, audio, realtime, stream],
  permissions: [
    { actions: ["transcribe:StartStreamTranscription"], resources: ["*"] },
    { actions: ["translate:TranslateText"], resources: ["*"] },
    { actions: ["polly:SynthesizeSpeech"], resources: ["*"] },
    { actions: ["sqs:SendMessage"], resources: [consumerFailures.arn] },
  ],
  memory: "1769 MB",
  timeout: "60 seconds",
  environment: { TRANSLATE_TERMINOLOGY: config.terminology },
});

export const consumerSubscription = stream.subscribe(consumer.arn, {
  transform: {
    eventSourceMapping: (args) => {
      args.startingPosition = "LATEST";
      args.batchSize = config.batchSize;
      args.maximumBatchingWindowInSeconds = config.batchWindowSeconds;
      args.parallelizationFactor = config.parallelizationFactor;
      args.functionResponseTypes = ["ReportBatchItemFailures"];
      args.bisectBatchOnFunctionError = true;
      args.maximumRetryAttempts = config.retryAttempts;
      args.destinationConfig = { onFailure: { destinationArn: consumerFailures.arn } };
    },
  },
});

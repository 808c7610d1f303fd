// The stream consumer and its event source mapping on the enhanced fan-out consumer: no batching wait, partial batch
// responses, bisect on error, bounded retries, DLQ.
import { config, functionEnvironment, handler } from "./config";
import { broadcastEndpoint, sessionTopics } from "./broadcast";
import { realtime } from "./realtime";
import { audio, table } from "./storage";
import { consumerFailures, fanOut, stream } from "./stream";

export const consumer = new sst.aws.Function("Consumer", {
  handler: handler("stream"),
  // The stream too: an environment that lacks the open segment reads it back (GetShardIterator, GetRecords).
  link: [table, audio, realtime, stream, broadcastEndpoint],
  permissions: [
    { actions: ["transcribe:StartStreamTranscription"], resources: ["*"] },
    { actions: ["translate:TranslateText"], resources: ["*"] },
    { actions: ["polly:SynthesizeSpeech"], resources: ["*"] },
    // The event source mapping reads with the function's role. SST grants these only to subscribers it creates.
    {
      actions: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams"],
      resources: [stream.nodes.stream.arn],
    },
    { actions: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], resources: [fanOut.arn] },
    { actions: ["sqs:SendMessage"], resources: [consumerFailures.arn] },
    // Listeners by broadcast: one publish per part and language, to this stage's session topics only.
    { actions: ["iot:Publish"], resources: [sessionTopics] },
  ],
  memory: "1769 MB",
  timeout: "60 seconds",
  environment: { ...functionEnvironment(), TRANSLATE_TERMINOLOGY: config.terminology, TRANSCRIBE_VOCABULARIES: config.transcribeVocabularies },
});

export const consumerEventSource = new aws.lambda.EventSourceMapping("ConsumerEventSource", {
  eventSourceArn: fanOut.arn,
  functionName: consumer.arn,
  ...config.eventSource,
  functionResponseTypes: [...config.eventSource.functionResponseTypes],
  destinationConfig: { onFailure: { destinationArn: consumerFailures.arn } },
});

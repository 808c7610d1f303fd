/**
 * The AWS default quotas (new account, one region) that bind this system, as plain data: local mode throttles at
 * them (`LIVETRANSLATE_QUOTAS=aws`) and the capacity plan divides the rates the system needs by them. Each names the
 * AWS page it is written from, read before it was written down here; a region or an account may differ, so the
 * Service Quotas console is the truth for a deployment.
 */

/** The quotas by what they limit in this system. */
export type QuotaId =
  | "synthesisNeural"
  | "synthesisStandard"
  | "translation"
  | "apiGatewayRequests"
  | "newConnections"
  | "recognizerStreams"
  | "recognizerStarts"
  | "tableWrites"
  | "tableReads"
  | "partitionWrites"
  | "partitionReads"
  | "shardWrites"
  | "shardRecords"
  | "shardReads"
  | "enhancedFanOutConsumers"
  | "bucketPrefixPuts"
  | "bucketPrefixGets"
  | "lambdaConcurrency"
  | "broadcastInbound"
  | "broadcastOutbound"
  | "broadcastConnects"
  | "broadcastSubscriptions"
  | "broadcastPerConnection";

export interface ServiceQuota {
  id: QuotaId;
  /** The AWS service, as AWS names it. */
  service: string;
  /** What is limited, in AWS's words. */
  name: string;
  /** The default value, in `unit`. */
  value: number;
  /** Requests a token bucket lets through at once on top of the rate, where AWS documents one. */
  burst?: number;
  unit: "requests/s" | "publishes/s" | "concurrent streams" | "connections/s" | "subscriptions/s" | "write units/s" | "read units/s" | "MB/s" | "records/s" | "consumers" | "concurrent executions";
  /** Whether Service Quotas (or AWS Support) can raise it. */
  adjustable: boolean;
  /** Where to ask for more: the quota's name in the Service Quotas console, or how to raise it otherwise. */
  increase: string;
  /** How the service answers a request over the quota (what the handling code sees). */
  answer?: { name: string; httpStatusCode: number };
  source: { page: string; url: string };
}

const POLLY = { page: "Amazon Polly Developer Guide, Quotas in Amazon Polly", url: "https://docs.aws.amazon.com/polly/latest/dg/limits.html" };
const API_GATEWAY = {
  page: "Amazon API Gateway Developer Guide, Amazon API Gateway quotas",
  url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
};
const WEBSOCKET = {
  page: "Amazon API Gateway Developer Guide, Amazon API Gateway quotas for configuring and running a WebSocket API",
  url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html",
};
const TRANSCRIBE = {
  page: "Amazon Transcribe Developer Guide, Guidelines and quotas",
  url: "https://docs.aws.amazon.com/transcribe/latest/dg/limits-guidelines.html",
};
const TRANSLATE = {
  page: "Amazon Translate Developer Guide, Guidelines and quotas (the older edition, Guidelines and Limits, gives the per-pair rate)",
  url: "https://docs.aws.amazon.com/translate/latest/dg/what-is-limits.html",
};
const DYNAMODB_WARM = {
  page: "Amazon DynamoDB Developer Guide, Understanding DynamoDB warm throughput (a new on-demand table)",
  url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html",
};
const DYNAMODB_QUOTAS = {
  page: "Amazon DynamoDB Developer Guide, Quotas in Amazon DynamoDB (throughput per partition)",
  url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
};
const KINESIS = {
  page: "Amazon Kinesis Data Streams Developer Guide, Quotas and limits",
  url: "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html",
};
const S3 = {
  page: "Amazon S3 User Guide, Best practices design patterns: optimizing Amazon S3 performance",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
};
const IOT_CORE = {
  page: "AWS General Reference, AWS IoT Core endpoints and quotas: message broker and protocol limits and quotas",
  url: "https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits",
};
const LAMBDA = { page: "AWS Lambda Developer Guide, Lambda quotas", url: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html" };

/** The table: one row per quota. */
export const AWS_QUOTAS: readonly ServiceQuota[] = [
  {
    id: "synthesisNeural",
    service: "Amazon Polly",
    name: "SynthesizeSpeech, neural voices",
    value: 8,
    burst: 10,
    unit: "requests/s",
    adjustable: true,
    increase: "Service Quotas > Amazon Polly: SynthesizeSpeech rate for neural voices",
    answer: { name: "ThrottlingException", httpStatusCode: 400 },
    source: POLLY,
  },
  {
    id: "synthesisStandard",
    service: "Amazon Polly",
    name: "SynthesizeSpeech, standard voices",
    value: 80,
    burst: 100,
    unit: "requests/s",
    adjustable: true,
    increase: "Service Quotas > Amazon Polly: SynthesizeSpeech rate for standard voices",
    answer: { name: "ThrottlingException", httpStatusCode: 400 },
    source: POLLY,
  },
  {
    id: "translation",
    service: "Amazon Translate",
    name: "TranslateText, per language pair",
    value: 20,
    unit: "requests/s",
    adjustable: true,
    // The current page gives no figure ("scales to serve operational traffic; contact AWS Support for sustained
    // throttling"); the older edition gave 20 TPS (and 10 KB per 10 s) per language pair.
    increase: "AWS Support case (Amazon Translate has no TranslateText rate in Service Quotas)",
    answer: { name: "TooManyRequestsException", httpStatusCode: 429 },
    source: TRANSLATE,
  },
  {
    id: "apiGatewayRequests",
    service: "Amazon API Gateway",
    name: "Throttle quota per account, per Region across HTTP, REST, WebSocket APIs and WebSocket callback APIs",
    value: 10_000,
    burst: 5_000,
    unit: "requests/s",
    adjustable: true,
    increase: "Service Quotas > Amazon API Gateway: Throttle rate",
    answer: { name: "LimitExceededException", httpStatusCode: 429 },
    source: API_GATEWAY,
  },
  {
    id: "newConnections",
    service: "Amazon API Gateway",
    name: "New connections per second per account (across all WebSocket APIs) per Region",
    value: 500,
    unit: "connections/s",
    adjustable: true,
    increase: "Service Quotas > Amazon API Gateway: New connections per second",
    answer: { name: "LimitExceededException", httpStatusCode: 429 },
    source: WEBSOCKET,
  },
  {
    id: "recognizerStreams",
    service: "Amazon Transcribe",
    name: "Number of concurrent HTTP/2 streams for streaming transcription",
    value: 25,
    unit: "concurrent streams",
    adjustable: true,
    increase: "Service Quotas > Amazon Transcribe: Number of concurrent HTTP/2 streams for streaming transcription",
    answer: { name: "LimitExceededException", httpStatusCode: 429 },
    source: TRANSCRIBE,
  },
  {
    id: "recognizerStarts",
    service: "Amazon Transcribe",
    name: "Transactions per second, StartStreamTranscription operation",
    value: 25,
    unit: "requests/s",
    adjustable: true,
    increase: "Service Quotas > Amazon Transcribe: Transactions per second, StartStreamTranscription operation",
    answer: { name: "LimitExceededException", httpStatusCode: 429 },
    source: TRANSCRIBE,
  },
  {
    id: "tableWrites",
    service: "Amazon DynamoDB",
    name: "Write throughput of a new on-demand table before it scales",
    value: 4_000,
    unit: "write units/s",
    adjustable: true,
    increase: "Pre-warm the table (warm throughput: UpdateTable WarmThroughput) before the event; Service Quotas > Amazon DynamoDB: Table-level write throughput limit",
    answer: { name: "ThrottlingException", httpStatusCode: 400 },
    source: DYNAMODB_WARM,
  },
  {
    id: "tableReads",
    service: "Amazon DynamoDB",
    name: "Read throughput of a new on-demand table before it scales",
    value: 12_000,
    unit: "read units/s",
    adjustable: true,
    increase: "Pre-warm the table (warm throughput: UpdateTable WarmThroughput) before the event; Service Quotas > Amazon DynamoDB: Table-level read throughput limit",
    answer: { name: "ThrottlingException", httpStatusCode: 400 },
    source: DYNAMODB_WARM,
  },
  {
    id: "partitionWrites",
    service: "Amazon DynamoDB",
    name: "Write throughput of one partition (one partition key's items)",
    value: 1_000,
    unit: "write units/s",
    adjustable: false,
    increase: "not adjustable: spread the writes over more partition keys",
    answer: { name: "ProvisionedThroughputExceededException", httpStatusCode: 400 },
    source: DYNAMODB_QUOTAS,
  },
  {
    id: "partitionReads",
    service: "Amazon DynamoDB",
    name: "Read throughput of one partition (one partition key's items)",
    value: 3_000,
    unit: "read units/s",
    adjustable: false,
    increase: "not adjustable: read less, or spread the reads over more partition keys",
    answer: { name: "ProvisionedThroughputExceededException", httpStatusCode: 400 },
    source: DYNAMODB_QUOTAS,
  },
  {
    id: "shardWrites",
    service: "Amazon Kinesis Data Streams",
    name: "Data written per shard",
    value: 1,
    unit: "MB/s",
    adjustable: false,
    increase: "not adjustable: more shards (on-demand streams add them)",
    answer: { name: "ProvisionedThroughputExceededException", httpStatusCode: 400 },
    source: KINESIS,
  },
  {
    id: "shardRecords",
    service: "Amazon Kinesis Data Streams",
    name: "Records written per shard",
    value: 1_000,
    unit: "records/s",
    adjustable: false,
    increase: "not adjustable: more shards (on-demand streams add them)",
    answer: { name: "ProvisionedThroughputExceededException", httpStatusCode: 400 },
    source: KINESIS,
  },
  {
    id: "shardReads",
    service: "Amazon Kinesis Data Streams",
    name: "GetRecords calls per shard (standard consumers, shared)",
    value: 5,
    unit: "requests/s",
    adjustable: false,
    increase: "not adjustable: an enhanced fan-out consumer gets its own 2 MB/s per shard",
    answer: { name: "ProvisionedThroughputExceededException", httpStatusCode: 400 },
    source: KINESIS,
  },
  {
    id: "enhancedFanOutConsumers",
    service: "Amazon Kinesis Data Streams",
    name: "Enhanced fan-out consumers per stream",
    value: 20,
    unit: "consumers",
    adjustable: false,
    increase: "not adjustable",
    answer: { name: "LimitExceededException", httpStatusCode: 400 },
    source: KINESIS,
  },
  {
    id: "bucketPrefixPuts",
    service: "Amazon S3",
    name: "PUT/COPY/POST/DELETE requests per second per partitioned prefix",
    value: 3_500,
    unit: "requests/s",
    adjustable: false,
    increase: "not adjustable: S3 partitions a busy prefix by itself; keys here are per session already",
    answer: { name: "SlowDown", httpStatusCode: 503 },
    source: S3,
  },
  {
    id: "bucketPrefixGets",
    service: "Amazon S3",
    name: "GET/HEAD requests per second per partitioned prefix",
    value: 5_500,
    unit: "requests/s",
    adjustable: false,
    increase: "not adjustable: S3 partitions a busy prefix by itself; keys here are per session already",
    answer: { name: "SlowDown", httpStatusCode: 503 },
    source: S3,
  },
  {
    id: "lambdaConcurrency",
    service: "AWS Lambda",
    name: "Concurrent executions",
    value: 1_000,
    unit: "concurrent executions",
    adjustable: true,
    increase: "Service Quotas > AWS Lambda: Concurrent executions",
    answer: { name: "TooManyRequestsException", httpStatusCode: 429 },
    source: LAMBDA,
  },
  // IoT Core's message broker (listeners by broadcast). Several regions list smaller defaults than the page's
  // largest regions: the Service Quotas console of the deployment's region is the truth.
  {
    id: "broadcastInbound",
    service: "AWS IoT Core",
    name: "Inbound publish requests per second per account (the consumer's data-plane Publish)",
    value: 20_000,
    unit: "publishes/s",
    adjustable: true,
    increase: "Service Quotas > AWS IoT: Inbound publish requests per second per account",
    // The data plane's Publish over HTTPS, as its API reference documents a throttled request.
    answer: { name: "ThrottlingException", httpStatusCode: 429 },
    source: IOT_CORE,
  },
  {
    id: "broadcastOutbound",
    service: "AWS IoT Core",
    name: "Outbound publish requests per second per account (every message delivered to a matching subscription)",
    value: 20_000,
    unit: "publishes/s",
    adjustable: true,
    increase: "Service Quotas > AWS IoT: Outbound publish requests per second per account",
    source: IOT_CORE,
  },
  {
    id: "broadcastConnects",
    service: "AWS IoT Core",
    name: "Connect requests per second per account",
    value: 500,
    unit: "connections/s",
    adjustable: true,
    increase: "Service Quotas > AWS IoT: Connect requests per second per account",
    source: IOT_CORE,
  },
  {
    id: "broadcastSubscriptions",
    service: "AWS IoT Core",
    name: "Subscriptions per second per account",
    value: 500,
    unit: "subscriptions/s",
    adjustable: true,
    increase: "Service Quotas > AWS IoT: Subscriptions per second per account",
    source: IOT_CORE,
  },
  {
    id: "broadcastPerConnection",
    service: "AWS IoT Core",
    name: "Publish requests per second per connection (inbound and outbound)",
    value: 100,
    unit: "publishes/s",
    adjustable: false,
    increase: "not adjustable: fewer messages per listener connection (one per part already)",
    source: IOT_CORE,
  },
];

export function quota(id: QuotaId): ServiceQuota {
  const found = AWS_QUOTAS.find((q) => q.id === id);
  if (!found) throw new Error(`no AWS quota "${id}" in the table`);
  return found;
}

/**
 * The names AWS services answer with when a request is over a quota (rate or concurrency), across the services
 * above, as the SDK raises them. Errors are recognized by name, never by message text.
 */
const QUOTA_ERROR_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "LimitExceededException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
]);

/** The service refused the request because a quota binds (not because the request was wrong or the service failed). */
export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === "string" && QUOTA_ERROR_NAMES.has(name);
}

/** What the speaker is told binds, in `sessionStatus.quotas` (the protocol names them). */
export type { BindingQuota } from "../../protocol/index.ts";

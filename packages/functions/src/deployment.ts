/**
 * What infra and local mode read about the functions, defined once: their names, the WebSocket action routes,
 * the Kinesis event source settings and the HTTP routes. Plain data: `sst.config.ts` imports it at deploy time,
 * so it must not pull in the AWS SDK or SST's `Resource`.
 */
import type { IamAction } from "@livetranslate/core/adapters/aws/iam";
import { CLIENT_ACTIONS } from "@livetranslate/core/protocol";

/**
 * The Lambda functions (SST component names). `BroadcastAuthorizerHandler` is the custom authorizer of the listeners'
 * broker (SST's Realtime names its authorizer function after the component); `BroadcastPresenceHandler` takes the
 * broker's connect and disconnect events of listeners (an IoT topic rule).
 */
export const FUNCTION_NAMES = ["Connect", "Disconnect", "Message", "Http", "Consumer", "BroadcastAuthorizerHandler", "BroadcastPresenceHandler"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * The functions infra deploys to Lambda: all but the Consumer, whose handler only local mode's poller invokes (as
 * Lambda's event source would); in AWS the ConsumerService reads the stream.
 */
export const LAMBDA_FUNCTIONS = FUNCTION_NAMES.filter((name): name is Exclude<FunctionName, "Consumer"> => name !== "Consumer");

/**
 * The long-running services (SST component names): the ConsumerService reads every shard of the audio stream through
 * its enhanced fan-out consumer, so one process holds each session's recognizer stream (docs/quotas.md).
 */
export const SERVICE_NAMES = ["ConsumerService"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What runs the code in AWS or local mode: a function's handler or a service's process. */
export type ComputeName = FunctionName | ServiceName;

/** One WebSocket route per client action, each to the Message function (as `$default`). */
export const WS_ACTIONS: readonly string[] = CLIENT_ACTIONS;

/**
 * What local mode's poller plays (the Lambda event source mapping the Consumer had), and what the ConsumerService keeps
 * of it (its starting position and retry budget): no batching wait
 * (latency), partial batch responses so only a failed session's records come back, bisect on error, a bounded
 * number of retries before the on-failure destination.
 */
export const STREAM_EVENT_SOURCE = {
  startingPosition: "LATEST",
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  /** Concurrent batches per shard; order per session holds (records of one partition key stay in order). */
  parallelizationFactor: 4,
  maximumRetryAttempts: 3,
  bisectBatchOnFunctionError: true,
  functionResponseTypes: ["ReportBatchItemFailures"],
} as const;

/** The HTTP API's routes (all served by the Http function) and who may call them. */
export const HTTP_ROUTES: readonly { route: string; auth: "speaker" | "none" }[] = [
  { route: "GET /health", auth: "none" },
  { route: "GET /languages", auth: "none" },
  { route: "GET /sessions/{sessionId}", auth: "none" },
  // The speaker's token (Authorization: Bearer), checked by the handler: a speaker may not have a Cognito session.
  { route: "GET /sessions/{sessionId}/transcript", auth: "none" },
  { route: "POST /sessions", auth: "speaker" },
  { route: "POST /listener-reports", auth: "none" },
  // Listeners by broadcast: a pass at join, renewed as a heartbeat (the pass itself, a bearer token, on renewal).
  { route: "POST /sessions/{sessionId}/listeners", auth: "none" },
  { route: "PUT /sessions/{sessionId}/listeners/{listenerId}", auth: "none" },
  // A listener leaving gives its place back at once (the pass as bearer token).
  { route: "DELETE /sessions/{sessionId}/listeners/{listenerId}", auth: "none" },
];

/**
 * Reports accepted per minute from one client address. A sampled listener sends about one a minute, and a venue's
 * listeners often share one address (its Wi-Fi), so this allows dozens of them while bounding any one client.
 */
export const LISTENER_REPORTS_PER_MINUTE = 60;

/**
 * Listeners one session may hold at a time, unless the deployment says otherwise (infra's
 * LIVETRANSLATE_MAX_LISTENERS_PER_SESSION; local mode's variable of the same name). Above the seed's largest scale
 * (500 a session), far below what a flood of anonymous connections would bring.
 */
export const MAX_LISTENERS_PER_SESSION = 1000;

/**
 * The highest cap a deployment may set: every join and leave writes its session's one counter item (domain/admission),
 * a single DynamoDB partition key with its own write limit, and every segment reaches every listener.
 */
export const MAX_LISTENERS_PER_SESSION_LIMIT = 10_000;

/**
 * A listener cap as a deployment gives it (unset: the default); anything but a whole number from 1 to
 * `MAX_LISTENERS_PER_SESSION_LIMIT` is refused by name.
 */
export function maxListenersPerSession(setting: string | undefined, variable: string): number {
  if (setting === undefined || setting.trim() === "") return MAX_LISTENERS_PER_SESSION;
  const value = Number(setting);
  if (!/^\d+$/.test(setting.trim()) || value < 1 || value > MAX_LISTENERS_PER_SESSION_LIMIT) {
    throw new Error(`${variable} must be a whole number from 1 to ${MAX_LISTENERS_PER_SESSION_LIMIT} (every join and leave writes its session's one counter item), not "${setting}"`);
  }
  return value;
}

/** What the sessions table's entities send (ElectroDB): items and queries, never a scan or the table itself. */
const SESSIONS_TABLE: readonly IamAction[] = [
  { action: "dynamodb:DeleteItem", resource: "table" },
  { action: "dynamodb:GetItem", resource: "table" },
  { action: "dynamodb:PutItem", resource: "table" },
  { action: "dynamodb:Query", resource: "table" },
  { action: "dynamodb:Query", resource: "tableIndex" },
  { action: "dynamodb:UpdateItem", resource: "table" },
];
const NOTIFY: IamAction = { action: "execute-api:ManageConnections", resource: "wsConnections" };
/** Whether the account that created a session is still enabled (its speaker is refused otherwise). */
const SPEAKER_ACCOUNTS: IamAction = { action: "cognito-idp:AdminGetUser", resource: "userPool" };
/** A session's Amazon Transcribe custom vocabulary: created with the session, used once ready, deleted with it. */
const VOCABULARIES: readonly IamAction[] = [
  { action: "transcribe:CreateVocabulary", resource: "*" },
  { action: "transcribe:DeleteVocabulary", resource: "*" },
  { action: "transcribe:GetVocabulary", resource: "*" },
  { action: "transcribe:ListVocabularies", resource: "*" },
];

/** What the stream consumer's adapters send, wherever it runs. */
const CONSUMER: readonly IamAction[] = [
  ...SESSIONS_TABLE,
  NOTIFY,
  { action: "kinesis:GetRecords", resource: "stream" },
  { action: "kinesis:GetShardIterator", resource: "stream" },
  { action: "polly:SynthesizeSpeech", resource: "*" },
  { action: "s3:GetObject", resource: "bucketObject" },
  { action: "s3:PutObject", resource: "bucketObject" },
  { action: "transcribe:StartStreamTranscription", resource: "*" },
  { action: "translate:TranslateText", resource: "*" },
  ...VOCABULARIES,
  { action: "iot:Publish", resource: "broadcastTopic" },
];

/**
 * The IAM actions each function's adapters declare, as infra grants them (composition.ts's `requiredActions`, which
 * needs the adapters' SDK clients, cannot be imported at deploy time; link-contract.test.ts holds the two equal).
 */
export const FUNCTION_IAM_ACTIONS: Record<ComputeName, readonly IamAction[]> = {
  Connect: [...SESSIONS_TABLE, SPEAKER_ACCOUNTS],
  Disconnect: SESSIONS_TABLE,
  Http: [...SESSIONS_TABLE, ...VOCABULARIES],
  Message: [...SESSIONS_TABLE, NOTIFY, SPEAKER_ACCOUNTS, { action: "kinesis:PutRecord", resource: "stream" }, { action: "kinesis:PutRecords", resource: "stream" }],
  Consumer: CONSUMER,
  ConsumerService: [
    ...CONSUMER,
    { action: "kinesis:DescribeStreamConsumer", resource: "streamConsumer" },
    { action: "kinesis:SubscribeToShard", resource: "streamConsumer" },
    { action: "kinesis:ListShards", resource: "stream" },
    { action: "sqs:SendMessage", resource: "queue" },
  ],
  // Passes are records in the table; the authorizer reads them and writes nothing else.
  BroadcastAuthorizerHandler: SESSIONS_TABLE,
  // A listener's presence and place are its pass's record and its admission items (its place, the session's counter).
  BroadcastPresenceHandler: SESSIONS_TABLE,
};

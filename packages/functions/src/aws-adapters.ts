/**
 * The AWS adapters: the only module that reads SST's `Resource`. Each adapter is built on first use and reads
 * only its own linked resource, so a function linked to the table alone never touches the stream, the bucket or
 * the WebSocket API. Each also declares the IAM actions it needs and the adapters it is built from, which give
 * every function's required links and grants (`composition.ts`, which also builds the consumer from them).
 */
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { PollyClient } from "@aws-sdk/client-polly";
import { TranscribeClient } from "@aws-sdk/client-transcribe";
import { TranscribeStreamingClient } from "@aws-sdk/client-transcribe-streaming";
import { TranslateClient } from "@aws-sdk/client-translate";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoClient, createKinesisClient, createManagementClient, createS3Client, createSubscriptionClient } from "@livetranslate/core/adapters/aws/clients";
import { CognitoSpeakerAccounts } from "@livetranslate/core/adapters/aws/cognito";
import { ApiGatewayNotifier } from "@livetranslate/core/adapters/aws/connections";
import { createBroadcastClient, IotBroadcastPublisher, listenerAuthorizer } from "@livetranslate/core/adapters/aws/iot";
import { Broadcast } from "@livetranslate/core/domain/broadcast";
import type { IamAction } from "@livetranslate/core/adapters/aws/iam";
import { KinesisAudioIngest, KinesisIngestReplay } from "@livetranslate/core/adapters/aws/kinesis";
import { CloudWatchMeasurements, metricsNamespace } from "@livetranslate/core/adapters/aws/metrics";
import { PollySynthesizer, pollyLanguages } from "@livetranslate/core/adapters/aws/polly";
import { S3AudioStore } from "@livetranslate/core/adapters/aws/s3";
import { SqsFailedBatches } from "@livetranslate/core/adapters/aws/sqs";
import { TRANSCRIBE_LANGUAGES, TranscribeRecognizer } from "@livetranslate/core/adapters/aws/transcribe";
import { TranscribeVocabularies } from "@livetranslate/core/adapters/aws/transcribe-vocabularies";
import { AwsTranslator, TRANSLATE_PAIRS } from "@livetranslate/core/adapters/aws/translate";
import { createDb, DB_IAM_ACTIONS, RECORD_TTL_SECONDS } from "@livetranslate/core/domain/db";
import { supportedLanguages } from "@livetranslate/core/domain/languages";
import { jsonLog } from "@livetranslate/core/log";
import { ShardSubscription, tableShardProgress } from "@livetranslate/core/streaming/shard-subscription";
import { Resource } from "sst";
import { type AdapterName, type Adapters, observeFailedAttempts } from "./adapters.ts";
import { maxListenersPerSession } from "./deployment.ts";

export interface AwsAdapter<K extends AdapterName, U extends AdapterName> {
  /** SST `Resource` names `build` reads (each must be linked to every function that builds this adapter). */
  links: readonly string[];
  iamActions: readonly IamAction[];
  /** Other adapters `build` is made from. */
  uses: readonly U[];
  build: (adapters: Pick<Adapters, NoInfer<U>>) => Adapters[K];
}

/** `name` ties the definition to its adapter, so `build` must return that adapter's type. */
function adapter<K extends AdapterName, const U extends AdapterName = never>(_name: K, definition: AwsAdapter<K, U>) {
  return definition;
}

/** `en=conference-terms,es=terminos`: a Transcribe custom vocabulary per source language (infra's LIVETRANSLATE_TRANSCRIBE_VOCABULARIES). */
export function transcribeVocabularies(setting: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (setting ?? "")
      .split(",")
      .map((pair) => pair.split("=").map((part) => part.trim()))
      .filter((pair): pair is [string, string] => pair.length === 2 && !!pair[0] && !!pair[1]),
  );
}

/** What `observeFailedAttempts` reports to. */
const OBSERVED = ["log", "measurements"] as const;

/** The deployment's region: Lambda sets AWS_REGION. */
const region = () => process.env.AWS_REGION ?? "us-east-1";

export const AWS_ADAPTERS = {
  db: adapter("db", {
    links: ["Sessions"],
    iamActions: DB_IAM_ACTIONS,
    uses: OBSERVED,
    build: (o) => createDb({ table: Resource.Sessions.name, client: observeFailedAttempts(createDynamoClient(), o) }),
  }),
  ingest: adapter("ingest", {
    links: ["AudioStream"],
    iamActions: KinesisAudioIngest.iamActions,
    uses: OBSERVED,
    build: (o) => new KinesisAudioIngest({ client: observeFailedAttempts(createKinesisClient(), o), streamName: Resource.AudioStream.name }),
  }),
  replay: adapter("replay", {
    links: ["AudioStream"],
    iamActions: KinesisIngestReplay.iamActions,
    uses: OBSERVED,
    build: (o) => new KinesisIngestReplay({ client: observeFailedAttempts(createKinesisClient(), o), streamName: Resource.AudioStream.name }),
  }),
  fanOut: adapter("fanOut", {
    links: ["AudioStreamFanOut"],
    iamActions: ShardSubscription.iamActions,
    uses: OBSERVED,
    build: (o) => ({ client: observeFailedAttempts(createSubscriptionClient(), o), consumerArn: Resource.AudioStreamFanOut.arn }),
  }),
  shardProgress: adapter("shardProgress", {
    // Kept per fan-out consumer, in the table every entity lives in.
    links: ["AudioStreamFanOut"],
    iamActions: [],
    uses: ["db"],
    build: ({ db }) => tableShardProgress(db.config, Resource.AudioStreamFanOut.arn),
  }),
  failedBatches: adapter("failedBatches", {
    links: ["ConsumerFailures"],
    iamActions: SqsFailedBatches.iamActions,
    uses: OBSERVED,
    build: (o) => new SqsFailedBatches({ client: observeFailedAttempts(new SQSClient({}), o), queueUrl: Resource.ConsumerFailures.url }),
  }),
  notifier: adapter("notifier", {
    links: ["Realtime"],
    iamActions: ApiGatewayNotifier.iamActions,
    uses: OBSERVED,
    build: (o) => new ApiGatewayNotifier({ client: observeFailedAttempts(createManagementClient(Resource.Realtime.managementEndpoint), o) }),
  }),
  audioStore: adapter("audioStore", {
    links: ["Audio"],
    iamActions: S3AudioStore.iamActions,
    uses: OBSERVED,
    build: (o) => new S3AudioStore({ client: observeFailedAttempts(createS3Client(), o), bucket: Resource.Audio.name }),
  }),
  recognizer: adapter("recognizer", {
    links: [],
    iamActions: TranscribeRecognizer.iamActions,
    uses: OBSERVED,
    build: (o) => new TranscribeRecognizer({ client: observeFailedAttempts(new TranscribeStreamingClient({}), o), vocabularies: transcribeVocabularies(process.env.TRANSCRIBE_VOCABULARIES) }),
  }),
  vocabularies: adapter("vocabularies", {
    // The app and stage start the names: deployments sharing an account and region keep apart.
    links: ["App"],
    iamActions: TranscribeVocabularies.iamActions,
    uses: OBSERVED,
    build: (o) =>
      new TranscribeVocabularies({
        client: observeFailedAttempts(new TranscribeClient({}), o),
        prefix: `${Resource.App.name}-${Resource.App.stage}`,
        expireAfterMs: RECORD_TTL_SECONDS * 1000,
      }),
  }),
  translator: adapter("translator", {
    links: [],
    iamActions: AwsTranslator.iamActions,
    uses: OBSERVED,
    build: (o) =>
      new AwsTranslator({
        client: observeFailedAttempts(new TranslateClient({}), o),
        terminologyNames: process.env.TRANSLATE_TERMINOLOGY ? process.env.TRANSLATE_TERMINOLOGY.split(",") : undefined,
        partsInContext: process.env.TRANSLATE_PARTS_IN_CONTEXT !== "off",
      }),
  }),
  synthesizer: adapter("synthesizer", {
    links: [],
    iamActions: PollySynthesizer.iamActions,
    uses: OBSERVED,
    build: (o) => new PollySynthesizer({ client: observeFailedAttempts(new PollyClient({}), o), region: region(), log: o.log }),
  }),
  broadcast: adapter("broadcast", {
    // The account's IoT endpoint (SST's Realtime) and the stage, which prefixes every topic.
    links: ["App", "BroadcastEndpoint"],
    iamActions: IotBroadcastPublisher.iamActions,
    uses: OBSERVED,
    build: (o) =>
      new IotBroadcastPublisher({ client: observeFailedAttempts(createBroadcastClient(Resource.BroadcastEndpoint.endpoint), o), topicPrefix: Broadcast.topicPrefix(Resource.App.stage) }),
  }),
  broadcastBroker: adapter("broadcastBroker", {
    links: ["App", "BroadcastEndpoint"],
    iamActions: [],
    uses: [],
    // MQTT over WebSockets with a custom authorizer: IoT Core picks the authorizer by this query parameter.
    build: () => ({
      url: `wss://${Resource.BroadcastEndpoint.endpoint}/mqtt?x-amz-customauthorizer-name=${encodeURIComponent(Resource.BroadcastEndpoint.authorizer)}`,
      topicPrefix: Broadcast.topicPrefix(Resource.App.stage),
    }),
  }),
  listenerAuthorizer: adapter("listenerAuthorizer", {
    // The stage prefixes the topics a pass grants; the table holds the passes.
    links: ["App"],
    iamActions: [],
    uses: ["db"],
    build: ({ db }) => listenerAuthorizer(db, Broadcast.topicPrefix(Resource.App.stage)),
  }),
  languages: adapter("languages", {
    links: [],
    iamActions: [],
    uses: [],
    // From the services' language lists alone: no client is built to answer GET /languages.
    build: () => {
      const languages = supportedLanguages({
        recognizer: { languages: Object.keys(TRANSCRIBE_LANGUAGES) },
        translator: { pairs: TRANSLATE_PAIRS },
        synthesizer: { languages: pollyLanguages(region()) },
      });
      return () => languages;
    },
  }),
  speakerAccounts: adapter("speakerAccounts", {
    links: ["Speakers"],
    iamActions: CognitoSpeakerAccounts.iamActions,
    uses: OBSERVED,
    build: (o) => new CognitoSpeakerAccounts({ client: observeFailedAttempts(new CognitoIdentityProviderClient({}), o), userPoolId: Resource.Speakers.id }),
  }),
  limits: adapter("limits", {
    links: [],
    iamActions: [],
    uses: [],
    build: () => ({ maxListenersPerSession: maxListenersPerSession(process.env.MAX_LISTENERS_PER_SESSION, "MAX_LISTENERS_PER_SESSION") }),
  }),
  measurements: adapter("measurements", {
    // The stage SST provides (always linked) names the metrics' namespace.
    links: ["App"],
    iamActions: [],
    uses: [],
    build: () => new CloudWatchMeasurements({ namespace: metricsNamespace(Resource.App.stage) }),
  }),
  log: adapter("log", { links: [], iamActions: [], uses: [], build: () => jsonLog() }),
} satisfies {
  // The consumer is made of the others, in every mode: `composition.ts` builds it.
  [K in Exclude<AdapterName, "consumer">]: { links: readonly string[]; iamActions: readonly IamAction[]; uses: readonly AdapterName[]; build(adapters: never): Adapters[K] };
};

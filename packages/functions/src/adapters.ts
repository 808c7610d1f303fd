/**
 * The adapters the handlers are built from: AWS's (`awsAdapters()`), local mode's, or a test's fakes. Each
 * handler names the slice it needs, and gets only that slice, so a function builds (and, in AWS, reads the
 * linked resources of) nothing else.
 */
import { type MiddlewareClient, reportFailedAttempts } from "@livetranslate/core/adapters/aws/clients";
import type { ListenerAuthorizer } from "@livetranslate/core/adapters/aws/iot";
import type { AudienceLimits } from "@livetranslate/core/domain/admission";
import type { Db } from "@livetranslate/core/domain/db";
import type { Log } from "@livetranslate/core/log";
import type {
  AudioIngest,
  CustomVocabularies,
  AudioStore,
  BroadcastBroker,
  BroadcastPublisher,
  ConnectionNotifier,
  FailedBatches,
  IngestReplay,
  Measurements,
  SpeakerAccounts,
  SpeechRecognizer,
  SpeechSynthesizer,
  Translator,
} from "@livetranslate/core/ports";
import type { LanguagesResponse } from "@livetranslate/core/protocol";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { SessionConsumer } from "@livetranslate/core/streaming/session-batch";
import type { ShardProgress } from "@livetranslate/core/streaming/shard-subscription";
import { lazy } from "./lazy.ts";

export type { SessionConsumer } from "@livetranslate/core/streaming/session-batch";

export interface StreamFanOut {
  client: KinesisClient;
  consumerArn: string;
}

export interface Adapters {
  db: Db;
  ingest: AudioIngest;
  /** Reads the open segment back from the stream (an environment that did not see its audio). */
  replay: IngestReplay;
  notifier: ConnectionNotifier;
  /** Publishes to listeners by broadcast (the consumer). */
  broadcast: BroadcastPublisher;
  /** Where listeners by broadcast connect (the HTTP API hands it out with their pass). */
  broadcastBroker: BroadcastBroker;
  /** Decides on a listener's broker connection (IoT Core's custom authorizer; local mode's broker has its own hooks). */
  listenerAuthorizer: ListenerAuthorizer;
  recognizer: SpeechRecognizer;
  /**
   * Custom vocabularies built by the recognizer service from a session's glossary (Amazon Transcribe's); none where
   * the recognizer adds a glossary's words to the session's streams itself (pocketsphinx, local mode).
   */
  vocabularies?: CustomVocabularies;
  translator: Translator;
  synthesizer: SpeechSynthesizer;
  audioStore: AudioStore;
  consumer: SessionConsumer;
  /**
   * The stream's enhanced fan-out consumer, read by the consumer service (`SubscribeToShard` over HTTP/2); none in local
   * mode, whose stand-in has no fan-out and whose poller plays Lambda's event source instead.
   */
  fanOut?: StreamFanOut;
  /** How far the consumer service has got in each shard (none where the poller keeps positions itself). */
  shardProgress?: ShardProgress;
  /** Where the consumer service sends a session batch given up on (the failure queue in AWS). */
  failedBatches?: FailedBatches;
  /** What the configured engines support. */
  languages(): LanguagesResponse;
  /** The deployment's cap on a session's listeners. */
  limits: AudienceLimits;
  /** Speakers' sign-in accounts (Cognito's user pool); none where speakers do not sign in (local mode). */
  speakerAccounts?: SpeakerAccounts;
  measurements: Measurements;
  log: Log;
}

export type AdapterName = keyof Adapters;

/**
 * A view of `adapters` with only `names`: reading one reads it from `adapters` then (so a lazy source builds it
 * then), and anything else is absent.
 */
export function pick<N extends AdapterName>(adapters: Adapters, names: readonly N[]): Pick<Adapters, N> {
  return lazy<Pick<Adapters, N>>(Object.fromEntries(names.map((name) => [name, () => adapters[name]])) as { [K in N]: () => Adapters[K] });
}

/**
 * Every failed attempt of an AWS request, even one the SDK retries by itself, leaves a log line and a metric, in
 * AWS and in local mode: throttling and faults are seen before they become errors.
 */
export function observeFailedAttempts<C extends MiddlewareClient>(client: C, { log, measurements }: Pick<Adapters, "log" | "measurements">): C {
  return reportFailedAttempts(client, (attempt) => {
    log({ level: "warn", event: "aws.attempt_failed", ...attempt });
    measurements.count("AwsAttemptsFailed");
    // Published at once: not every handler flushes measurements at its end, and failed attempts are rare.
    measurements.flush();
  });
}

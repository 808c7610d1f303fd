/**
 * The adapters the handlers are built from: AWS's (`awsAdapters()`), local mode's, or a test's fakes. Each
 * handler names the slice it needs, and gets only that slice, so a function builds (and, in AWS, reads the
 * linked resources of) nothing else.
 */
import type { ListenerAuthorizer } from "@livetranslate/core/adapters/aws/iot";
import type { Db } from "@livetranslate/core/domain/db";
import type { Log } from "@livetranslate/core/log";
import type {
  AudioIngest,
  AudioStore,
  BroadcastBroker,
  BroadcastPublisher,
  ConnectionNotifier,
  IngestReplay,
  Measurements,
  PositionedRecord,
  SpeechRecognizer,
  SpeechSynthesizer,
  Translator,
} from "@livetranslate/core/ports";
import type { LanguagesResponse } from "@livetranslate/core/browser/protocol";

/** What the Kinesis handler hands each session's records to (core's StreamConsumer, or a test's fake). */
export interface SessionConsumer {
  consumeSession(sessionId: string, records: readonly PositionedRecord[]): Promise<void>;
  close(): Promise<void> | void;
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
  translator: Translator;
  synthesizer: SpeechSynthesizer;
  audioStore: AudioStore;
  consumer: SessionConsumer;
  /** What the configured engines support. */
  languages(): LanguagesResponse;
  measurements: Measurements;
  log: Log;
}

export type AdapterName = keyof Adapters;

/**
 * A view of `adapters` with only `names`: reading one reads it from `adapters` then (so a lazy source builds it
 * then), and anything else is absent.
 */
export function pick<N extends AdapterName>(adapters: Adapters, names: readonly N[]): Pick<Adapters, N> {
  const slice = {} as Pick<Adapters, N>;
  for (const name of names) Object.defineProperty(slice, name, { enumerable: true, get: () => adapters[name] });
  return slice;
}

/**
 * The narrow interfaces the pipeline is written against, and the plain records they carry. Each has an AWS adapter
 * (adapters/aws) and, where one can run on a single machine, a local one (adapters/engines, adapters/vad, or the AWS
 * adapter pointed at an embedded stand-in).
 */
import type { ListenerReport, ServerMessage } from "../protocol/index.ts";
import type { SegmentResult } from "./segment-result.ts";

export type { IamAction, ResourceKind } from "./iam.ts";
export { type LanguageResult, type PartOf, type SegmentResult, type StageTimes, stageDurations } from "./segment-result.ts";
export { compareSequenceNumbers } from "./stream-position.ts";

/** Speech to text for one source language at a time; audio is 16 kHz mono signed 16-bit PCM. */
export interface SpeechRecognizer {
  /** Source languages this recognizer can transcribe (ISO 639-1). */
  readonly languages: readonly string[];
  /**
   * Starts one recognition stream, which carries a session's segments one after another until it is ended: one
   * request to the service however many segments it carries (Amazon Transcribe bills each request for at least
   * 15 s, so one request per segment would bill a 4 s sentence as 15 s). With `vocabulary`, the stream also knows
   * the session's own words; streams of other sessions do not.
   */
  startStream(language: string, vocabulary?: SessionVocabulary): RecognitionStream;
}

/** A session's own words for its recognizer streams: its glossary's terms. */
export interface SessionVocabulary {
  /** The terms as written; a recognizer whose dictionary lacks one of their words adds it (pocketsphinx). */
  terms: readonly string[];
  /** The recognizer service's custom vocabulary made from the terms, once it is ready to use (Amazon Transcribe). */
  name?: string;
}

/**
 * The sign-in accounts of speakers (Amazon Cognito's user pool): a session's speaker is refused once the account
 * that created the session is disabled or deleted. A deployment without sign-in (local mode) has none.
 */
export interface SpeakerAccounts {
  /** Whether `account` (the Cognito `sub` that created a session) may still speak. */
  isEnabled(account: string): Promise<boolean>;
}

/**
 * Custom vocabularies a recognizer service builds from a session's terms, for the session's lifetime (Amazon
 * Transcribe's take minutes to build). A recognizer that adds words as a stream starts (pocketsphinx) needs none.
 */
export interface CustomVocabularies {
  /** Asks the service to build the session's vocabulary; resolves once asked, long before it is ready. */
  create(sessionId: string, language: string, terms: readonly string[]): Promise<void>;
  /** The vocabulary's name once the service has it ready; undefined while it is built, or when it failed or is gone. */
  ready(sessionId: string): Promise<string | undefined>;
  /** Deletes the session's vocabulary (none is fine: a session without one, or deleted already). */
  delete(sessionId: string): Promise<void>;
  /** Deletes the vocabularies of sessions that expired without ending; resolves to how many. */
  deleteExpired(): Promise<number>;
}

/**
 * A session's speech, segment after segment, each fed while the speaker talks so its final text is ready soon after
 * the pause. Calls take effect in the order they are made: a caller need not wait for one before making the next.
 */
export interface RecognitionStream {
  /** Feeds more audio of the current segment; resolves to its interim hypothesis so far ("" when none). */
  write(pcm: Int16Array): Promise<string>;
  /**
   * The current segment ends with the audio written so far (the next write starts the next segment); resolves to
   * its final text ("" when nothing was recognized). Rejects when the stream failed and the text may be incomplete.
   *
   * With `endSample` (in samples from the segment's first, short of what was written) the segment ends there
   * instead: its text is the words whose middle falls before it. This is for a segment cut at its maximum length,
   * whose stream heard on past the cut; the caller then ends the stream, and the next segment is heard afresh from
   * the cut.
   */
  endSegment(endSample?: number): Promise<string>;
  /**
   * The speaker paused after the audio written so far; the segment may go on. Resolves to the words heard since the
   * previous pause (or the segment's start) that are final now, which `endSegment` will not revise: they may be
   * committed as a part of the segment. A recognizer that decodes in utterances (pocketsphinx) ends the phrase and
   * finishes its words now (the next write starts the next phrase of the same segment); one that finds its own
   * endpoints (Amazon Transcribe) gives the words its results hold stable so far. `endSegment` still gives the whole
   * segment's text, these words included. Resolves to "" when nothing is final yet.
   */
  pause(): Promise<string>;
  /**
   * The words of the current phrase (since the last `pause`, or the segment's start) in the hypothesis so far, each
   * with where it ends. Calls take effect in order, so these are the words after every write before it. A recognizer
   * that cannot time its words resolves to none (its segments are then committed at pauses only).
   */
  phraseWords(): Promise<HeardWord[]>;
  /** No more audio: the request ends, segments already ended still resolve, and what the stream holds is freed. */
  end(): Promise<void>;
  /** Drops the stream at once; segments not yet resolved reject. */
  abort(): void;
}

/** A word of a running hypothesis. */
export interface HeardWord {
  /** The word, with any punctuation the recognizer put after it ("however,"). */
  text: string;
  /** Where it ends, in samples from the segment's first sample. */
  endSample: number;
  /**
   * True when the recognizer says the word will not change (Amazon Transcribe's stable items); undefined when it
   * does not say (pocketsphinx), and the caller judges from successive hypotheses.
   */
  stable?: boolean;
}

export interface LanguagePair {
  source: string;
  target: string;
  /** The pivot language a translation passes through when the translator has no direct pair. */
  via?: string;
}

export interface Translator {
  /** Directions this translator supports. */
  readonly pairs: readonly LanguagePair[];
  /**
   * False when a part of a segment is to be translated alone rather than together with its segment's words before
   * it (streaming/pipeline/part-translation.ts): with a translator that bills by the character, those words are
   * billed again with every part. Unset: in context.
   */
  readonly partsInContext?: boolean;
  translate(text: string, source: string, target: string): Promise<string>;
}

export interface SynthesizedAudio {
  data: Uint8Array;
  /** MIME type, e.g. "audio/mpeg" or "audio/wav". */
  format: string;
  durationSeconds: number;
}

/** How to voice one request. */
export interface SynthesisOptions {
  /**
   * Which of the service's voice engines: "neural" (the default where the language has one) or "standard", the
   * plainer voice with a quota ten times larger (Polly), asked for when the neural one is throttled. A synthesizer
   * with one kind of voice ignores it.
   */
  engine?: "neural" | "standard";
}

export interface SpeechSynthesizer {
  /** Languages this synthesizer has a voice for (ISO 639-1). */
  readonly languages: readonly string[];
  synthesize(text: string, language: string, options?: SynthesisOptions): Promise<SynthesizedAudio>;
}

/**
 * Voice activity, frame by frame, for the segmenter's end-of-speech decision. A stream has memory (Silero's is
 * recurrent), so frames go in order; a fresh stream starts from silence.
 */
export interface VoiceActivityDetector {
  /** Samples of 16 kHz audio per decision (Silero: 512, 32 ms). */
  readonly frameSamples: number;
  /** A stream of decisions from a clean state. */
  open(): VoiceActivityStream;
}

export interface VoiceActivityStream {
  /** How likely (0-1) this frame of exactly `frameSamples` holds speech, given the frames fed before it. */
  speechProbability(frame: Int16Array): Promise<number>;
}

/** Short-lived audio objects, fetched by listeners through expiring URLs. */
export interface AudioStore {
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** A URL anyone may GET until it expires. */
  presignedUrl(key: string, expiresInSeconds: number): Promise<string>;
}

export type Delivery = "delivered" | "gone";

/** Pushes messages to WebSocket connections (API Gateway management API). */
export interface ConnectionNotifier {
  /** "gone" means the connection no longer exists (HTTP 410); the caller forgets it. */
  post(connectionId: string, message: ServerMessage): Promise<Delivery>;
  disconnect(connectionId: string): Promise<void>;
}

/** A session's language on the broadcast transport: everyone listening to it by broadcast. */
export interface BroadcastChannel {
  sessionId: string;
  language: string;
}

/**
 * Publishes to listeners by broadcast (AWS IoT Core; locally an embedded MQTT broker): one call reaches every
 * listener of the channel, however many. Only the consumer holds one; listeners can only subscribe.
 */
export interface BroadcastPublisher {
  publish(channel: BroadcastChannel, message: ServerMessage): Promise<void>;
}

/** Where listeners by broadcast connect: the broker's MQTT-over-WebSocket URL and the deployment's topic prefix. */
export interface BroadcastBroker {
  url: string;
  topicPrefix: string;
}

/** One speaker audio chunk as it travels through the stream, or the end-of-session marker. */
export type IngestRecord =
  | {
      kind: "chunk";
      sessionId: string;
      chunkIndex: number;
      /** Capture time of the chunk's first sample (client clock). */
      capturedAt: number;
      /** When the backend accepted the chunk. */
      ingestedAt: number;
      /** Base64 of 16 kHz mono s16le PCM. */
      audioData: string;
    }
  | {
      kind: "end";
      sessionId: string;
      ingestedAt: number;
      /** The last chunk index the speaker sent before ending, when it said: the end waits for the chunks up to it. */
      lastChunkIndex?: number;
    };

/** The ordered per-session audio stream (Kinesis, partition key = sessionId). */
export interface AudioIngest {
  put(record: IngestRecord): Promise<void>;
}

/** Where a record sits in the stream: its shard and its sequence number there (decimal digits). */
export interface StreamPosition {
  shardId: string;
  sequenceNumber: string;
}

/** An ingest record as the consumer receives it, with where it was read from. */
export type PositionedRecord = IngestRecord & { position: StreamPosition };

/**
 * Reads a session's records back from the stream (Kinesis keeps them 24 h), so an execution environment that
 * never saw the open segment's audio rebuilds it instead of the checkpoint storing it.
 */
export interface IngestReplay {
  /** The session's records from `from` through `through` (inclusive, same shard), in stream order. */
  read(sessionId: string, from: StreamPosition, through: StreamPosition): Promise<PositionedRecord[]>;
}

/**
 * A session's batch given up on after its retries: what Lambda's on-failure destination records of a batch
 * (`KinesisBatchInfo`), plus the session and the last error, so it can be inspected and replayed by hand.
 */
export interface FailedBatch {
  condition: "RetryAttemptsExhausted";
  approximateInvokeCount: number;
  streamArn: string;
  shardId: string;
  sessionId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  approximateArrivalOfFirstRecord?: string;
  approximateArrivalOfLastRecord?: string;
  error: string;
}

/** Where batches given up on go (the consumer's failure queue in AWS; a log line in local mode). */
export interface FailedBatches {
  record(batch: FailedBatch): Promise<void>;
}

/**
 * What operators watch: CloudWatch metrics in AWS; in local mode, counters in memory and log lines; in tests,
 * counters in memory.
 */
export interface Measurements {
  /** A segment reached its listeners: its latency per stage. */
  segmentDelivered(result: SegmentResult): void;
  /** A listener app's sample of audio downloads. */
  audioDownloads(report: ListenerReport): void;
  /** Adds `value` (default 1) to counter `name`: faults, retries, checkpoint sizes, billed recognizer seconds. */
  count(name: string, value?: number): void;
  /** Publishes what was recorded; called at the end of each invocation that may have recorded something. */
  flush(): void;
}

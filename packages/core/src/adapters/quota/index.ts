/**
 * AWS's quotas, emulated over any port: decorators that let requests through at a quota's rate (a token bucket
 * with the quota's burst) or up to its concurrency, and answer the rest exactly as the AWS service does, with the
 * SDK v3's own exception classes (name, `$fault`, `$metadata.httpStatusCode`). Local mode wraps its engines, its
 * @connections client, its broadcast publisher and its DynamoDB clients in them (`LIVETRANSLATE_QUOTAS=aws`), so the pipeline's handling of a quota runs the same
 * code locally as in AWS.
 */
import { LimitExceededException as PostLimitExceededException } from "@aws-sdk/client-apigatewaymanagementapi";
import { type DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { ThrottlingException as PublishThrottlingException } from "@aws-sdk/client-iot-data-plane";
import { ThrottlingException as PollyThrottlingException } from "@aws-sdk/client-polly";
import { LimitExceededException as TranscribeLimitExceededException } from "@aws-sdk/client-transcribe-streaming";
import { TooManyRequestsException } from "@aws-sdk/client-translate";
import type { BroadcastPublisher, ConnectionNotifier, RecognitionStream, SpeechRecognizer, SpeechSynthesizer, Translator } from "../../ports/index.ts";

/** Requests at `ratePerSecond`, up to `burst` at once after a quiet spell (AWS's throttles behave as token buckets). */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  readonly burst: number;

  constructor(
    readonly ratePerSecond: number,
    burst: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`a token bucket's rate must be above 0 per second, not ${ratePerSecond}`);
    // A fractional rate still lets one request through now and then.
    this.burst = Math.max(1, burst ?? ratePerSecond);
    this.tokens = this.burst;
    this.updatedAt = now();
  }

  /** Takes a token if there is one: true means the request may go. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The response metadata of a refused request, as the SDK fills it in. */
function metadata(httpStatusCode: number) {
  return { httpStatusCode, requestId: `local-quota-${Math.random().toString(36).slice(2, 10)}`, attempts: 1, totalRetryDelay: 0 };
}

/** Polly over its SynthesizeSpeech quota: `ThrottlingException`, HTTP 400. */
export function pollyThrottling(): PollyThrottlingException {
  return new PollyThrottlingException({ message: "Rate exceeded", $metadata: metadata(400) });
}

/** Translate over its TranslateText rate: `TooManyRequestsException`, HTTP 429. */
export function translateThrottling(): TooManyRequestsException {
  return new TooManyRequestsException({ message: "You have made too many requests within a short period of time.", $metadata: metadata(429) });
}

/** API Gateway's management API over the account's request rate: `LimitExceededException`, HTTP 429. */
export function postThrottling(): PostLimitExceededException {
  return new PostLimitExceededException({ message: "Rate exceeded", $metadata: metadata(429) });
}

/** IoT Core's data plane over the account's inbound publish rate: `ThrottlingException`, HTTP 429. */
export function publishThrottling(): PublishThrottlingException {
  return new PublishThrottlingException({ message: "Rate exceeded", $metadata: metadata(429) });
}

/** Transcribe over its concurrent streams: `LimitExceededException`, HTTP 429. */
export function streamsExceeded(): TranscribeLimitExceededException {
  return new TranscribeLimitExceededException({
    message: "You have reached your limit of concurrent streams. Reduce the number of concurrent streams and try again.",
    Message: "You have reached your limit of concurrent streams. Reduce the number of concurrent streams and try again.",
    $metadata: metadata(429),
  });
}

/** Polly's SynthesizeSpeech quotas: one per voice engine (neural voices have the smaller one). */
export function throttledSynthesizer(synthesizer: SpeechSynthesizer, buckets: { neural: TokenBucket; standard: TokenBucket }): SpeechSynthesizer {
  return {
    languages: synthesizer.languages,
    async synthesize(text, language, options) {
      if (!buckets[options?.engine ?? "neural"].take()) throw pollyThrottling();
      return synthesizer.synthesize(text, language, options);
    },
  };
}

/** Translate's TranslateText rate, per language pair (as its quota was published). */
export function throttledTranslator(translator: Translator, bucketFor: () => TokenBucket): Translator {
  const buckets = new Map<string, TokenBucket>();
  return {
    pairs: translator.pairs,
    async translate(text, source, target) {
      const pair = `${source}>${target}`;
      let bucket = buckets.get(pair);
      if (!bucket) buckets.set(pair, (bucket = bucketFor()));
      if (!bucket.take()) throw translateThrottling();
      return translator.translate(text, source, target);
    },
  };
}

/** API Gateway's account-wide request rate, which `@connections` posts count against. */
export function throttledNotifier(notifier: ConnectionNotifier, bucket: TokenBucket): ConnectionNotifier {
  return {
    async post(connectionId, message) {
      if (!bucket.take()) throw postThrottling();
      return notifier.post(connectionId, message);
    },
    disconnect: (connectionId) => notifier.disconnect(connectionId),
  };
}

/** IoT Core's account-wide inbound publish rate, which the consumer's data-plane `Publish` counts against. */
export function throttledPublisher(publisher: BroadcastPublisher, bucket: TokenBucket): BroadcastPublisher {
  return {
    async publish(channel, message) {
      if (!bucket.take()) throw publishThrottling();
      return publisher.publish(channel, message);
    },
  };
}

/**
 * Transcribe's concurrent streams: a stream started over the limit fails as the request would (its calls reject
 * with `LimitExceededException`); a stream stops counting once ended or aborted.
 */
export function limitedRecognizer(recognizer: SpeechRecognizer, maxStreams: number): SpeechRecognizer & { readonly open: number } {
  let open = 0;
  return {
    languages: recognizer.languages,
    get open() {
      return open;
    },
    startStream(language, vocabulary): RecognitionStream {
      if (open >= maxStreams) {
        const refused = () => Promise.reject(streamsExceeded());
        return { write: refused, endSegment: refused, pause: refused, phraseWords: refused, end: async () => undefined, abort: () => undefined };
      }
      open++;
      return whileOpen(recognizer.startStream(language, vocabulary), () => open--);
    },
  };
}

/** The stream, calling `closed` once when it is ended or aborted (for whoever counts open streams). */
export function whileOpen(stream: RecognitionStream, closed: () => void): RecognitionStream {
  let open = true;
  const close = () => {
    if (open) closed();
    open = false;
  };
  return {
    write: (pcm) => stream.write(pcm),
    endSegment: (endSample) => stream.endSegment(endSample),
    pause: () => stream.pause(),
    phraseWords: () => stream.phraseWords(),
    end: () => stream.end().finally(close),
    abort: () => {
      close();
      stream.abort();
    },
  };
}

/** The DynamoDB operations that spend a table's write units, and those that spend its read units. */
const TABLE_WRITES = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "BatchWriteItemCommand", "TransactWriteItemsCommand"]);
const TABLE_READS = new Set(["GetItemCommand", "QueryCommand", "ScanCommand", "BatchGetItemCommand", "TransactGetItemsCommand"]);

/** DynamoDB over a table's throughput: `ProvisionedThroughputExceededException`, HTTP 400. */
export function tableThrottling(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
    $metadata: metadata(400),
  });
}

/**
 * A table's read and write throughput (an on-demand table's, before it scales), one unit per request: every item
 * this system writes or reads is under a unit's 1 KB. The refusal is answered inside the SDK's retry loop, as the
 * service's would be, so the client's own retries (and their backoff) run as in AWS.
 */
export function throttleTable(client: DynamoDBClient, buckets: { reads: TokenBucket; writes: TokenBucket }): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const bucket = TABLE_WRITES.has(command) ? buckets.writes : TABLE_READS.has(command) ? buckets.reads : undefined;
      if (bucket && !bucket.take()) throw tableThrottling();
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "localTableThroughput" },
  );
  return client;
}

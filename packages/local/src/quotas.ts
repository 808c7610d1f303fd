/**
 * `LIVETRANSLATE_QUOTAS=aws`: local mode throttles as a new AWS account would, at the defaults in core's
 * `domain/quotas`, so the pipeline meets the same answers here as in AWS. Each quota can be set on its own (a small
 * machine meets a quota at a small scale only when it is scaled down with it); fractions are allowed. The
 * quotas are account-wide in AWS, so one set is shared by every function and execution environment here.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { limitedRecognizer, throttledNotifier, throttledPublisher, throttledSynthesizer, throttledTranslator, throttleTable, TokenBucket } from "@livetranslate/core/adapters/quota";
import type { Engines } from "@livetranslate/core/domain/languages";
import { quota } from "@livetranslate/core/domain/quotas";
import type { BroadcastPublisher, ConnectionNotifier } from "@livetranslate/core/ports";

export interface QuotaSettings {
  /** Polly SynthesizeSpeech with neural voices, requests/s; standard voices get the same multiple of theirs. */
  synthesisTps: number;
  /** Translate TranslateText, requests/s per language pair. */
  translationTps: number;
  /** API Gateway requests/s, which `@connections` posts count against. */
  postsPerSecond: number;
  /** IoT Core inbound publishes/s, which the consumer's broadcast publishes count against. */
  publishesPerSecond: number;
  /** Transcribe concurrent streams. */
  recognizerStreams: number;
  /** API Gateway new WebSocket connections/s. */
  newConnectionsPerSecond: number;
  /** DynamoDB write units/s of the table (a new on-demand table's, before it scales). */
  tableWritesPerSecond: number;
  /** DynamoDB read units/s of the table. */
  tableReadsPerSecond: number;
}

const OVERRIDES: Record<keyof QuotaSettings, string> = {
  synthesisTps: "LIVETRANSLATE_QUOTA_SYNTHESIS_TPS",
  translationTps: "LIVETRANSLATE_QUOTA_TRANSLATION_TPS",
  postsPerSecond: "LIVETRANSLATE_QUOTA_POSTS_PER_SECOND",
  publishesPerSecond: "LIVETRANSLATE_QUOTA_PUBLISHES_PER_SECOND",
  recognizerStreams: "LIVETRANSLATE_QUOTA_RECOGNIZER_STREAMS",
  newConnectionsPerSecond: "LIVETRANSLATE_QUOTA_NEW_CONNECTIONS_PER_SECOND",
  tableWritesPerSecond: "LIVETRANSLATE_QUOTA_TABLE_WRITES_PER_SECOND",
  tableReadsPerSecond: "LIVETRANSLATE_QUOTA_TABLE_READS_PER_SECOND",
};

/** AWS's defaults for a new account. */
export function awsDefaultQuotas(): QuotaSettings {
  return {
    synthesisTps: quota("synthesisNeural").value,
    translationTps: quota("translation").value,
    postsPerSecond: quota("apiGatewayRequests").value,
    publishesPerSecond: quota("broadcastInbound").value,
    recognizerStreams: quota("recognizerStreams").value,
    newConnectionsPerSecond: quota("newConnections").value,
    tableWritesPerSecond: quota("tableWrites").value,
    tableReadsPerSecond: quota("tableReads").value,
  };
}

/** The quotas the environment asks for: none with `LIVETRANSLATE_QUOTAS` unset or `off`; AWS's with `aws`, each overridable. */
export function quotaSettings(env: Record<string, string | undefined>): QuotaSettings | undefined {
  const mode = env.LIVETRANSLATE_QUOTAS ?? "off";
  if (mode !== "off" && mode !== "aws") throw new Error(`LIVETRANSLATE_QUOTAS must be "off" or "aws", not "${mode}"`);
  const overrides = Object.entries(OVERRIDES).filter(([, name]) => env[name] !== undefined);
  if (mode === "off") {
    if (overrides.length) throw new Error(`${overrides.map(([, name]) => name).join(", ")} only applies with LIVETRANSLATE_QUOTAS=aws`);
    return undefined;
  }
  const settings = awsDefaultQuotas();
  for (const [key, name] of overrides) {
    const value = Number(env[name]);
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name} must be a number above 0 (fractions allowed), not "${env[name]}"`);
    if (key === "recognizerStreams" && !Number.isInteger(value)) throw new Error(`${name} must be a whole number of streams, not "${env[name]}"`);
    settings[key as keyof QuotaSettings] = value;
  }
  return settings;
}

/** A bucket at `rate` with the AWS quota's burst, scaled as the rate was. */
function bucketLike(id: Parameters<typeof quota>[0], rate: number, now: () => number): TokenBucket {
  const q = quota(id);
  return new TokenBucket(rate, q.burst === undefined ? undefined : (q.burst * rate) / q.value, now);
}

/**
 * The emulated quotas of one local mode: applied to its engines once, and to every @connections notifier, broadcast
 * publisher and AWS client it builds (the table's throughput is shared by every function, as in AWS).
 */
export interface LocalQuotas {
  settings: QuotaSettings;
  engines(engines: Engines): Engines;
  notifier(notifier: ConnectionNotifier): ConnectionNotifier;
  publisher(publisher: BroadcastPublisher): BroadcastPublisher;
  client(client: object): void;
  admitConnection(): boolean;
}

export function localQuotas(settings: QuotaSettings, now: () => number = Date.now): LocalQuotas {
  const scale = settings.synthesisTps / quota("synthesisNeural").value;
  const synthesis = {
    neural: bucketLike("synthesisNeural", settings.synthesisTps, now),
    standard: bucketLike("synthesisStandard", quota("synthesisStandard").value * scale, now),
  };
  const posts = bucketLike("apiGatewayRequests", settings.postsPerSecond, now);
  const publishes = bucketLike("broadcastInbound", settings.publishesPerSecond, now);
  const connections = bucketLike("newConnections", settings.newConnectionsPerSecond, now);
  const table = { writes: bucketLike("tableWrites", settings.tableWritesPerSecond, now), reads: bucketLike("tableReads", settings.tableReadsPerSecond, now) };
  return {
    settings,
    engines: (engines) => ({
      ...engines,
      recognizer: limitedRecognizer(engines.recognizer, settings.recognizerStreams),
      translator: throttledTranslator(engines.translator, () => bucketLike("translation", settings.translationTps, now)),
      synthesizer: throttledSynthesizer(engines.synthesizer, synthesis),
    }),
    notifier: (notifier) => throttledNotifier(notifier, posts),
    publisher: (publisher) => throttledPublisher(publisher, publishes),
    client: (client) => {
      if (client instanceof DynamoDBClient) throttleTable(client, table);
    },
    admitConnection: () => connections.take(),
  };
}

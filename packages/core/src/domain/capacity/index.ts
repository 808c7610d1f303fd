/**
 * The capacity plan: from a metered run of the real pipeline (what one session asked of each AWS service per second
 * of speech, per part and language, per part and listener) and a run of the fan-out by broadcast (publishes per part
 * and language, messages delivered per part and listener), the rates a venue of S sessions x L listeners x K
 * languages needs, against the AWS default quotas (`domain/quotas`), and what a session-hour costs. Every count comes
 * from the runs; the only figures set here are the venue's shape and the stated assumptions in `ASSUMPTIONS`.
 */
import { Broadcast } from "../broadcast/index.ts";
import { quota, type QuotaId } from "../quotas/index.ts";

/** One kind of table request, as the benchmark meters it. */
export interface MeteredTableRequests {
  requests: number;
  items: number;
  bytes: number;
  consistent: number;
}

/** What one metered run of the pipeline asked of AWS (written by `pnpm bench` into a results file). */
export interface MeteredRun {
  routing: "sticky" | "random";
  /** Times the consumer fell behind real time and shed work: such a run under-counts parts and speech. */
  overloadEntered?: number;
  /** Seconds of the speaker's audio the run played. */
  audioSeconds: number;
  /** Listeners in the run (every one takes parts, as the listener app does) and the languages they heard. */
  listeners: number;
  languages: number;
  /** Consumer batches (one checkpoint write each), parts delivered to listeners, whole segments to the speaker. */
  batches: number;
  parts: number;
  segments: number;
  /** Mean wall time of a consumer batch in local mode (the consumer service's load; no longer billed per batch). */
  consumerBatchMs: number;
  recognizer: { requests: number; billedSeconds: number; audioSeconds: number; maxOpenStreams: number };
  requests: {
    kinesisPuts: number;
    kinesisBytes: number;
    postToConnection: number;
    posts: Record<string, number>;
    s3Puts: number;
    translations: number;
    translatedChars: number;
    syntheses: number;
    synthesizedChars: number;
    table: Record<string, MeteredTableRequests>;
  };
  /** Polly's MP3 (48 kbit/s) for a part's speech, in bytes. */
  mp3BytesPerPart: number;
}

/**
 * What one run of the fan-out by broadcast measured (`pnpm bench --only fanout_broadcast`): every listener on the
 * broker, as the listener app listens; the speaker alone on the WebSocket.
 */
export interface BroadcastRun {
  listeners: number;
  /** Languages with listeners, and listeners of each. */
  languages: number;
  listenersPerLanguage: number;
  /** Publishes to the broker per part (every language with listeners; the session's end excluded). */
  publishesPerPart: number;
  /** Listeners of a language that got a part's message (the median over parts and languages). */
  listenersReachedPerPartAndLanguage: number;
}

export interface Venue {
  sessions: number;
  listeners: number;
  languages: number;
  /** Languages with at least one listener (default: every language, or one per listener when fewer). */
  heard?: number;
  /** The window listeners join in, in seconds (new WebSocket connections per second). */
  joinSeconds?: number;
}

export type Prices = Record<string, number>;

/** Figures the run cannot measure, stated rather than hidden. */
export const ASSUMPTIONS = {
  /** A WebSocket handler invocation ($connect, a chunk, a ping), billed at the WebSocket functions' 512 MB. */
  handlerMs: 20,
  handlerGb: 0.5,
  /**
   * The consumer service: one Fargate task of this size (infra/consumer.ts), billed by the hour whatever the load and
   * shared by the venue's sessions, with the public IPv4 address it reaches AWS's APIs by.
   */
  consumerTask: { vcpu: 1, gb: 2 },
  /** The window a venue's listeners join in (the doors open a couple of minutes before the talk). */
  defaultJoinSeconds: 120,
  /** Topics a listener subscribes to when it connects to the broker: its pass's one (web-listener broadcast-feed.ts). */
  subscriptionsPerListener: 1,
  /**
   * No results file measures a part message's size. Its fields and its presigned audio URL (signed with a Lambda
   * role's session token) take at most this many bytes; its two texts are added from the run's characters per part.
   */
  partMessageFixedBytes: 2048,
  /** UTF-8 takes at most this many bytes per character. */
  bytesPerChar: 4,
  /** IoT Core meters messaging in steps of this many bytes. */
  iotMessageMeteringBytes: 5 * 1024,
};

export interface ServiceRate {
  name: string;
  quota: QuotaId;
  rate: number;
  /** The default quota, in `unit`. */
  limit: number;
  unit: string;
  ratio: number;
  /** Where to ask for more. */
  increase: string;
}

export interface CapacityPlan {
  venue: Required<Venue>;
  /** The run the rates come from (Transcribe's streams: the most a sticky run had open, as the consumer service holds them). */
  routing: MeteredRun["routing"];
  services: ServiceRate[];
  /** The quotas the venue would exceed (ratio above 1), most exceeded first. */
  binding: { name: string; ratio: number; request: number; unit: string; increase: string }[];
  /** The WebSocket handlers' concurrent executions (the consumer is a service, not a function). */
  lambdaConcurrency: { handlers: number; total: number };
  kinesisShards: number;
  /** Dollars per session-hour, by item and in total, per routing. */
  cost: Record<MeteredRun["routing"], { items: Record<string, number>; total: number }>;
}

/**
 * Per-session rates, per second of speech, from a metered run and a broadcast run, for a session of `listeners`
 * hearing `heard` languages. Every listener listens by broadcast, as the listener app does: the metered run's posts
 * per part and listener and its listeners' pings no longer reach API Gateway; the speaker's posts and pings do.
 */
function perSession(run: MeteredRun, broadcast: BroadcastRun, listeners: number, heard: number) {
  const r = run.requests;
  const t = (key: string) => r.table[key] ?? { requests: 0, items: 0, bytes: 0, consistent: 0 };
  const seconds = run.audioSeconds;
  const deliveries = run.parts * run.languages;
  const partsPerSecond = run.parts / seconds;
  const partPosts = (r.posts["transcript#part"] ?? 0) + (r.posts["translation#part"] ?? 0) + (r.posts["translatedAudio#part"] ?? 0);
  const pongs = r.posts.pong ?? 0;
  const pingsPerConnectionSecond = pongs / ((run.listeners + 1) * seconds);
  const speakerPostsPerSecond = (r.postToConnection - partPosts - pongs) / seconds;
  // The broadcast run: one publish per part and language, one message per part to each listener.
  const publishesPerPartLanguage = broadcast.publishesPerPart / broadcast.languages;
  const deliveriesPerPartListener = broadcast.listenersReachedPerPartAndLanguage / broadcast.listenersPerLanguage;
  const charsPerPart = r.syntheses ? r.synthesizedChars / r.syntheses : 0;
  // A part message carries the part's text and its translation (each about a part's characters) and the audio URL.
  const partMessageBytes = ASSUMPTIONS.partMessageFixedBytes + 2 * charsPerPart * ASSUMPTIONS.bytesPerChar;
  const heartbeatsPerSecond = listeners / Broadcast.HEARTBEAT_SECONDS;
  // Claims: every delivery group (a part for a language, a whole segment for the speaker) writes its claims.
  const claimGroups = deliveries + run.segments;
  const claimWrites = t("PutItem delivery").requests + t("UpdateItem delivery").requests;
  const claimReads = t("GetItem delivery").requests;
  const checkpoint = t("PutItem streamstate");
  const checkpointReads = t("GetItem streamstate");
  const connectionQuery = t("Query connection");
  const connectionItemBytes = connectionQuery.items ? connectionQuery.bytes / connectionQuery.items : 200;
  const checkpointBytes = checkpoint.items ? checkpoint.bytes / checkpoint.items : 1024;
  const queriesPerSecond = connectionQuery.requests / seconds;
  // Reads that do not grow with the audience: each chunk's handler reads its connection and session.
  const perChunkReads = ["GetItem session", "GetItem connection"].reduce((units, key) => {
    const e = t(key);
    const size = e.items ? e.bytes / e.items : 0;
    return units + e.requests * Math.max(1, Math.ceil(size / 4096)) * (e.consistent === e.requests && e.requests > 0 ? 1 : 0.5);
  }, 0);
  const readUnitsPerQuery = Math.max(1, Math.ceil(((listeners + 1) * connectionItemBytes) / 4096)) * 0.5;
  const perLanguagePart = heard * partsPerSecond;
  return {
    partsPerSecond,
    syntheses: perLanguagePart * (r.syntheses / Math.max(1, deliveries)),
    synthesizedChars: perLanguagePart * (r.synthesizedChars / Math.max(1, deliveries)),
    translationsPerPair: partsPerSecond * (r.translations / Math.max(1, deliveries)),
    translatedChars: perLanguagePart * (r.translatedChars / Math.max(1, deliveries)),
    s3Puts: perLanguagePart * (r.s3Puts / Math.max(1, deliveries)),
    s3PutsPerPrefix: partsPerSecond * (r.s3Puts / Math.max(1, deliveries)),
    s3Gets: partsPerSecond * listeners * (r.s3Puts / Math.max(1, deliveries)),
    posts: speakerPostsPerSecond + pingsPerConnectionSecond,
    inboundMessages: r.kinesisPuts / seconds + pingsPerConnectionSecond,
    /** HTTP API requests: each listener's heartbeat (its join and its leave are once a session-hour, in `cost`). */
    heartbeats: heartbeatsPerSecond,
    publishes: partsPerSecond * heard * publishesPerPartLanguage,
    deliveries: partsPerSecond * listeners * deliveriesPerPartListener,
    deliveriesPerListener: partsPerSecond * deliveriesPerPartListener,
    iotMeteredPerMessage: Math.ceil(partMessageBytes / ASSUMPTIONS.iotMessageMeteringBytes),
    kinesisRecords: r.kinesisPuts / seconds,
    kinesisBytes: r.kinesisBytes / seconds,
    writeUnits:
      ((perLanguagePart + run.segments / seconds) * claimWrites) / Math.max(1, claimGroups) +
      (checkpoint.requests / seconds) * Math.ceil(checkpointBytes / 1024),
    readUnits:
      ((perLanguagePart + run.segments / seconds) * claimReads) / Math.max(1, claimGroups) +
      (checkpointReads.requests / seconds) * Math.max(1, Math.ceil(checkpointBytes / 4096)) +
      queriesPerSecond * readUnitsPerQuery +
      perChunkReads / seconds,
    connectionReadUnits: queriesPerSecond * readUnitsPerQuery,
    recognizerBilledRatio: run.recognizer.billedSeconds / seconds,
    recognizerStreams: run.recognizer.maxOpenStreams,
    // The WebSocket handlers (chunks, the speaker's pings), the HTTP API's heartbeats and IoT Core's authorizer.
    handlerInvocations: r.kinesisPuts / seconds + pingsPerConnectionSecond + heartbeatsPerSecond + listeners / Broadcast.AUTHORIZATION_REFRESH_SECONDS,
    mp3BytesOut: partsPerSecond * listeners * run.mp3BytesPerPart,
  };
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * The plan for a venue from one metered run per routing (the one that kept up sets the rates; each prices its own
 * routing) and the broadcast runs (the one with the most listeners sets the fan-out's counts).
 */
export function capacityPlan(runs: readonly MeteredRun[], broadcastRuns: readonly BroadcastRun[], venue: Venue, prices: Prices): CapacityPlan {
  if (runs.length === 0) throw new Error("the capacity plan needs at least one metered run");
  if (broadcastRuns.length === 0) throw new Error("the capacity plan needs at least one run of the fan-out by broadcast");
  const broadcast = [...broadcastRuns].sort((a, b) => b.listeners - a.listeners)[0]!;
  for (const [name, value] of Object.entries({ sessions: venue.sessions, listeners: venue.listeners, languages: venue.languages })) {
    if (!(Number.isInteger(value) && value > 0)) throw new Error(`--${name} must be a whole number above 0, not ${value}`);
  }
  const heard = venue.heard ?? Math.min(venue.languages, venue.listeners);
  if (!(Number.isInteger(heard) && heard > 0 && heard <= venue.languages && heard <= venue.listeners)) {
    throw new Error(`--heard must be a whole number from 1 to the languages (${venue.languages}) and the listeners (${venue.listeners}), not ${heard}`);
  }
  const joinSeconds = venue.joinSeconds ?? ASSUMPTIONS.defaultJoinSeconds;
  const full: Required<Venue> = { ...venue, heard, joinSeconds };
  // The rates come from the run that kept up (no work shed; sticky first when both did), and each routing's own
  // recognizer figures: random routing opens more Transcribe streams and bills more seconds.
  const base = [...runs].sort((a, b) => (a.overloadEntered ?? 0) - (b.overloadEntered ?? 0) || (a.routing === "sticky" ? -1 : 1))[0]!;
  const withRecognizerOf = (run: MeteredRun): MeteredRun => ({ ...base, routing: run.routing, recognizer: run.recognizer });
  // The consumer service holds each session's recognizer stream in one process: sticky routing's streams. A plan from
  // random runs alone (Lambda's routing) still counts theirs.
  const held = runs.filter((r) => r.routing === "sticky");
  const s = { ...perSession(base, broadcast, venue.listeners, heard), recognizerStreams: Math.max(...(held.length > 0 ? held : runs).map((r) => r.recognizer.maxOpenStreams)) };
  const S = venue.sessions;
  const shards = Math.max(1, Math.ceil(Math.max((S * s.kinesisBytes) / 1e6 / quota("shardWrites").value, (S * s.kinesisRecords) / quota("shardRecords").value)));
  const rate = (name: string, id: QuotaId, value: number): ServiceRate => {
    const q = quota(id);
    return { name, quota: id, rate: round(value), limit: q.value, unit: q.unit, ratio: round(value / q.value), increase: q.increase };
  };
  const services: ServiceRate[] = [
    rate("Polly SynthesizeSpeech (neural)", "synthesisNeural", S * s.syntheses),
    rate("Translate TranslateText (per language pair)", "translation", S * s.translationsPerPair),
    // While the doors are open, listeners' joins come on top of the heartbeats of those already in.
    rate("API Gateway requests (speaker's messages, posts; HTTP joins, heartbeats)", "apiGatewayRequests", S * (s.posts + s.inboundMessages + s.heartbeats + venue.listeners / joinSeconds)),
    rate("API Gateway new WebSocket connections (speakers)", "newConnections", S / joinSeconds),
    rate("IoT Core inbound publishes (one per part and language)", "broadcastInbound", S * s.publishes),
    rate("IoT Core outbound publishes (one per part and listener)", "broadcastOutbound", S * s.deliveries),
    rate("IoT Core connect requests (listeners joining)", "broadcastConnects", (S * venue.listeners) / joinSeconds),
    rate("IoT Core subscriptions (listeners joining)", "broadcastSubscriptions", (S * venue.listeners * ASSUMPTIONS.subscriptionsPerListener) / joinSeconds),
    rate("IoT Core publishes per listener connection", "broadcastPerConnection", s.deliveriesPerListener),
    rate("Transcribe concurrent streams", "recognizerStreams", S * s.recognizerStreams),
    rate("DynamoDB writes (new on-demand table)", "tableWrites", S * s.writeUnits),
    rate("DynamoDB reads (new on-demand table)", "tableReads", S * s.readUnits),
    rate("DynamoDB reads of one session's connections (one partition)", "partitionReads", s.connectionReadUnits),
    rate("Kinesis records per shard", "shardRecords", (S * s.kinesisRecords) / shards),
    rate("S3 PUT per prefix (one session and language)", "bucketPrefixPuts", s.s3PutsPerPrefix),
    rate("S3 GET per prefix (one session and language)", "bucketPrefixGets", s.s3Gets / heard),
  ];
  const handlers = Math.ceil((S * s.handlerInvocations * ASSUMPTIONS.handlerMs) / 1000);
  services.push(rate("Lambda concurrent executions", "lambdaConcurrency", handlers));
  const binding = services
    .filter((r) => r.ratio > 1)
    .sort((a, b) => b.ratio - a.ratio)
    .map((r) => ({ name: r.name, ratio: r.ratio, request: Math.ceil(r.rate * 1.25), unit: r.unit, increase: r.increase }));
  const cost = Object.fromEntries(runs.map((run) => [run.routing, sessionHourCost(withRecognizerOf(run), broadcast, full, shards, prices)])) as CapacityPlan["cost"];
  return { venue: full, routing: base.routing, services, binding, lambdaConcurrency: { handlers, total: handlers }, kinesisShards: shards, cost };
}

function price(prices: Prices, name: string): number {
  const value = prices[name];
  if (value === undefined) throw new Error(`bench/prices.json has no "${name}"`);
  return value;
}

/** Dollars for one session-hour at the venue's shape, from one run: everything the run shows AWS billing. */
export function sessionHourCost(
  run: MeteredRun,
  broadcast: BroadcastRun,
  venue: Required<Venue>,
  shards: number,
  prices: Prices,
): { items: Record<string, number>; total: number } {
  const s = perSession(run, broadcast, venue.listeners, venue.heard);
  const hour = 3600;
  const p = (name: string) => price(prices, name);
  const items: Record<string, number> = {
    // Billed per request in whole seconds, at least 15 each: the run's billed seconds include both.
    transcribe: ((s.recognizerBilledRatio * hour) / 60) * p("transcribe_streaming_per_minute"),
    translate: ((s.translatedChars * hour) / 1e6) * p("translate_per_million_chars"),
    polly_neural: ((s.synthesizedChars * hour) / 1e6) * p("polly_neural_per_million_chars"),
    // The stream's hours and shards are shared by the venue's sessions.
    kinesis:
      (p("kinesis_on_demand_per_stream_hour") + shards * p("kinesis_efo_per_consumer_shard_hour")) / venue.sessions +
      ((s.kinesisBytes * hour) / 1e9) * (p("kinesis_on_demand_per_gb_in") + p("kinesis_efo_per_gb_out")),
    // The speaker's connection only: listeners are on the broker.
    websocket:
      (((s.inboundMessages + s.posts) * hour) / 1e6) * p("apigw_websocket_per_million_messages") +
      (60 / 1e6) * p("apigw_websocket_per_million_connection_minutes"),
    // Each listener's join, heartbeats and leave.
    http_api: (((s.heartbeats * hour + 2 * venue.listeners) / 1e6) * p("apigw_http_per_million_requests")),
    // Messages both ways (the consumer's publishes and each delivery), metered in 5 KB steps; connection minutes.
    iot_core:
      (((s.publishes + s.deliveries) * s.iotMeteredPerMessage * hour) / 1e6) * p("iot_core_per_million_messages") +
      ((venue.listeners * 60) / 1e6) * p("iot_core_per_million_connection_minutes"),
    lambda:
      ((s.handlerInvocations * hour) / 1e6) * p("lambda_per_million_requests") +
      s.handlerInvocations * hour * (ASSUMPTIONS.handlerMs / 1000) * ASSUMPTIONS.handlerGb * p("lambda_per_gb_second"),
    // The consumer service's task-hour, shared by the venue's sessions.
    consumer_task:
      (ASSUMPTIONS.consumerTask.vcpu * p("fargate_per_vcpu_hour") + ASSUMPTIONS.consumerTask.gb * p("fargate_per_gb_hour") + p("public_ipv4_per_hour")) / venue.sessions,
    dynamodb: ((s.writeUnits * hour) / 1e6) * p("dynamodb_per_million_write_units") + ((s.readUnits * hour) / 1e6) * p("dynamodb_per_million_read_units"),
    s3: ((s.s3Puts * hour) / 1000) * p("s3_put_per_thousand") + ((s.s3Gets * hour) / 1000) * p("s3_get_per_thousand") + ((s.mp3BytesOut * hour) / 1e9) * p("data_transfer_out_per_gb"),
  };
  const rounded = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, round(v, 3)]));
  return { items: rounded, total: round(Object.values(items).reduce((a, b) => a + b, 0)) };
}

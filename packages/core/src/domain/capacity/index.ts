/**
 * The capacity plan: from a metered run of the real pipeline with its listeners by broadcast (what one session asked
 * of each AWS service per second of speech, per part and language, per part and listener, per listener and second)
 * the rates a venue of S sessions x L listeners x K
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
  /**
   * What the listeners by broadcast asked of IoT Core and the HTTP API. A run whose listeners took parts over the
   * WebSocket has none: the plan then takes the fan-out's counts from a run of the fan-out by broadcast.
   */
  broadcast?: MeteredBroadcast;
}

export interface MeteredBroadcast {
  /** Seconds the listeners listened, from the first join to the last leave (heartbeats run on the wall clock). */
  listenedSeconds: number;
  /** Publishes that reached the broker by message type (`part`, `sessionEnded`), with their payloads' bytes. */
  publishes: Record<string, { count: number; bytes: number; largestBytes: number }>;
  /** Part messages the run's listeners received from the broker. */
  partsReceived: number;
  /** HTTP API requests by route (`POST /sessions/:sessionId/listeners`: a join). */
  httpRequests: Record<string, number>;
  /** The table requests (included in `requests.table`) the listeners' joins made, and their leaves. */
  joinTable: Record<string, MeteredTableRequests>;
  leaveTable: Record<string, MeteredTableRequests>;
}

/**
 * What one run of the fan-out by broadcast measured (`pnpm bench --only fanout_broadcast`): every listener on the
 * broker, as the listener app listens; the speaker alone on the WebSocket. The plan uses it only for a metered run
 * without listeners by broadcast.
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
  /** IoT Core lifecycle events of a listener's broker connection that reach the presence rule: connected, disconnected. */
  presenceEventsPerListener: 2,
  /**
   * For a metered run without listeners by broadcast (it measured no part message): its fields and its presigned
   * audio URL (signed with a Lambda role's session token) take at most this many bytes; its two texts are added from
   * the run's characters per part.
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
  /** Where the publishes and deliveries per part, and a part message's size, come from. */
  fanoutFrom: FanoutCounts["from"];
  services: ServiceRate[];
  /** The quotas the venue would exceed (ratio above 1), most exceeded first. */
  binding: { name: string; ratio: number; request: number; unit: string; increase: string }[];
  /** The WebSocket handlers' concurrent executions (the consumer is a service, not a function). */
  lambdaConcurrency: { handlers: number; total: number };
  kinesisShards: number;
  /** Dollars per session-hour, by item and in total, per routing. */
  cost: Record<MeteredRun["routing"], { items: Record<string, number>; total: number }>;
}

/** The fan-out's counts per part: the metered run's own where its listeners listened by broadcast. */
export interface FanoutCounts {
  from: "metered run" | "fan-out by broadcast";
  publishesPerPartLanguage: number;
  deliveriesPerPartListener: number;
  /** A part message's payload, in bytes (the mean of those published, or derived). */
  partMessageBytes: number;
}

export function fanoutCounts(run: MeteredRun, broadcastRuns: readonly BroadcastRun[]): FanoutCounts {
  const parts = run.broadcast?.publishes.part;
  if (run.broadcast && parts?.count) {
    return {
      from: "metered run",
      publishesPerPartLanguage: parts.count / Math.max(1, run.parts * run.languages),
      deliveriesPerPartListener: run.broadcast.partsReceived / Math.max(1, run.parts * run.listeners),
      partMessageBytes: parts.bytes / parts.count,
    };
  }
  const broadcast = [...broadcastRuns].sort((a, b) => b.listeners - a.listeners)[0];
  if (!broadcast) throw new Error("the metered runs have no listeners by broadcast: the capacity plan needs a run of the fan-out by broadcast");
  const charsPerPart = run.requests.syntheses ? run.requests.synthesizedChars / run.requests.syntheses : 0;
  return {
    from: "fan-out by broadcast",
    publishesPerPartLanguage: broadcast.publishesPerPart / broadcast.languages,
    deliveriesPerPartListener: broadcast.listenersReachedPerPartAndLanguage / broadcast.listenersPerLanguage,
    // A part message carries the part's text and its translation (each about a part's characters) and the audio URL.
    partMessageBytes: ASSUMPTIONS.partMessageFixedBytes + 2 * charsPerPart * ASSUMPTIONS.bytesPerChar,
  };
}

/** A listener's HTTP API requests: its join and leave, and its heartbeats per second, as the run's listeners made them. */
function listenerRequests(run: MeteredRun) {
  const b = run.broadcast;
  if (!b) return { joins: 1, leaves: 1, heartbeatsPerSecond: 1 / Broadcast.HEARTBEAT_SECONDS };
  const route = (method: string, path: string) => (b.httpRequests[`${method} ${path}`] ?? 0) / run.listeners;
  return {
    joins: route("POST", "/sessions/:sessionId/listeners"),
    leaves: route("DELETE", "/sessions/:sessionId/listeners/:listenerId"),
    heartbeatsPerSecond: route("PUT", "/sessions/:sessionId/listeners/:listenerId") / b.listenedSeconds,
  };
}

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

/** Capacity units of one kind of table request: by each request's bytes, reads strongly consistent at full units. */
function tableUnits(command: string, e: MeteredTableRequests, bytes = e.requests ? e.bytes / e.requests : 0): { write: number; read: number } {
  if (WRITES.has(command)) return { write: e.requests * Math.max(1, Math.ceil(bytes / 1024)), read: 0 };
  if (!READS.has(command)) return { write: 0, read: 0 };
  const eventual = e.requests - e.consistent;
  return { write: 0, read: Math.max(1, Math.ceil(bytes / 4096)) * (e.consistent + eventual / 2) };
}

/** Capacity units of the requests in `table`, by kind of request, each request of `bytesOf` bytes. */
function unitsOf(table: Record<string, MeteredTableRequests>, bytesOf: (key: string, e: MeteredTableRequests) => number) {
  return Object.entries(table).map(([key, e]) => ({ key, e, ...tableUnits(key.split(" ")[0] ?? "", e, bytesOf(key, e)) }));
}

/**
 * Table capacity units of a session of `listeners` hearing `heard` languages, from the run's requests: per second,
 * claims grow with the parts voiced per language, queries of the session's connections with its WebSocket
 * connections and of its broadcast listeners (presence) with its listeners, the listeners' own records (their pass
 * renewals and the broker's checks of them) with listeners; the rest (checkpoints, each chunk's reads, part
 * decisions, the speaker's status reading the admission counts) with the speech. Per listener, once: the requests of
 * its join and of its leave. The admission item holds the session's roll, an entry per listener: a write is billed
 * on its whole size (a join or leave meets it half full on average) and a read reads it whole; its size at the
 * venue is the run's scaled by the listeners, its fixed attributes too (an upper bound).
 */
function tableRates(run: MeteredRun, listeners: number, heard: number) {
  const seconds = run.audioSeconds;
  const claimGroups = run.parts * run.languages + run.segments;
  const claimGroupsPerSecond = (heard * run.parts + run.segments) / seconds;
  const runConnections = (run.broadcast ? 0 : run.listeners) + 1;
  const connections = (run.broadcast ? 0 : listeners) + 1;
  const roll = run.requests.table["GetItem admission"];
  const rollBytes = roll?.items ? (roll.bytes / roll.items) * (listeners / run.listeners) : 0;
  const bytesOf = (key: string, e: MeteredTableRequests) => {
    const [command = "", entity = ""] = key.split(" ");
    const asRun = e.requests ? e.bytes / e.requests : 0;
    if (entity === "admission" && rollBytes) return WRITES.has(command) ? rollBytes / 2 : rollBytes;
    // A query reads every record of the session's: its size grows with them.
    if (command === "Query" && entity === "connection") return (asRun * connections) / runConnections;
    if (command === "Query" && entity === "broadcastlistener") return (asRun * listeners) / run.listeners;
    return asRun;
  };
  const once = (table: Record<string, MeteredTableRequests> | undefined) =>
    unitsOf(table ?? {}, bytesOf).reduce((sum, u) => ({ write: sum.write + u.write / run.listeners, read: sum.read + u.read / run.listeners }), { write: 0, read: 0 });
  const join = once(run.broadcast?.joinTable);
  const leave = once(run.broadcast?.leaveTable);
  const inPhases = [...unitsOf(run.broadcast?.joinTable ?? {}, bytesOf), ...unitsOf(run.broadcast?.leaveTable ?? {}, bytesOf)];
  const rates = { write: 0, read: 0, partitionRead: 0, join, leave };
  for (const { key, ...total } of unitsOf(run.requests.table, bytesOf)) {
    const [command = "", entity = ""] = key.split(" ");
    const phases = inPhases.filter((u) => u.key === key);
    const units = { write: total.write - phases.reduce((n, u) => n + u.write, 0), read: total.read - phases.reduce((n, u) => n + u.read, 0) };
    let perSecond = 1 / seconds;
    if (entity === "delivery") {
      perSecond = claimGroupsPerSecond / Math.max(1, claimGroups);
    } else if (command === "Query" && (entity === "connection" || entity === "broadcastlistener")) {
      rates.partitionRead += units.read * perSecond;
    } else if (run.broadcast && (entity === "broadcastlistener" || (entity === "admission" && WRITES.has(command)))) {
      perSecond = listeners / (run.listeners * run.broadcast.listenedSeconds);
    }
    rates.write += Math.max(0, units.write) * perSecond;
    rates.read += Math.max(0, units.read) * perSecond;
  }
  return rates;
}

/**
 * Per-session rates, per second of speech, from a metered run (and the fan-out's counts), for a session of
 * `listeners` hearing `heard` languages. Every listener listens by broadcast, as the listener app does: only the
 * speaker's posts and messages reach API Gateway's WebSocket API (a run whose listeners took parts over it has its
 * posts per part and its listeners' pings left out).
 */
function perSession(run: MeteredRun, fanout: FanoutCounts, listeners: number, heard: number) {
  const r = run.requests;
  const seconds = run.audioSeconds;
  const deliveries = run.parts * run.languages;
  const partsPerSecond = run.parts / seconds;
  const partPosts = (r.posts["transcript#part"] ?? 0) + (r.posts["translation#part"] ?? 0) + (r.posts["translatedAudio#part"] ?? 0);
  const pongs = r.posts.pong ?? 0;
  const pingsPerConnectionSecond = pongs / (((run.broadcast ? 0 : run.listeners) + 1) * seconds);
  const speakerPostsPerSecond = (r.postToConnection - partPosts - pongs) / seconds;
  const http = listenerRequests(run);
  const heartbeatsPerSecond = listeners * http.heartbeatsPerSecond;
  const table = tableRates(run, listeners, heard);
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
    /** HTTP API requests: each listener's heartbeats; its join and leave (once a session) are `joinsAndLeaves`. */
    heartbeats: heartbeatsPerSecond,
    joinsPerListener: http.joins,
    joinsAndLeaves: listeners * (http.joins + http.leaves),
    publishes: perLanguagePart * fanout.publishesPerPartLanguage,
    deliveries: partsPerSecond * listeners * fanout.deliveriesPerPartListener,
    deliveriesPerListener: partsPerSecond * fanout.deliveriesPerPartListener,
    iotMeteredPerMessage: Math.max(1, Math.ceil(fanout.partMessageBytes / ASSUMPTIONS.iotMessageMeteringBytes)),
    kinesisRecords: r.kinesisPuts / seconds,
    kinesisBytes: r.kinesisBytes / seconds,
    writeUnits: table.write,
    readUnits: table.read,
    /** A listener's join and leave, once each. */
    tableJoin: table.join,
    tableLeave: table.leave,
    connectionReadUnits: table.partitionRead,
    recognizerBilledRatio: run.recognizer.billedSeconds / seconds,
    recognizerStreams: run.recognizer.maxOpenStreams,
    // The WebSocket handlers (chunks, the speaker's pings), the HTTP API's heartbeats and IoT Core's authorizer.
    handlerInvocations: r.kinesisPuts / seconds + pingsPerConnectionSecond + heartbeatsPerSecond + listeners / Broadcast.AUTHORIZATION_REFRESH_SECONDS,
    /**
     * A listener's handler invocations once a session: its HTTP join and leave, and at its broker connection the
     * authorizer and the presence handler (IoT Core's connected event), then presence again at its disconnected event.
     */
    joinInvocations: http.joins + 1 + ASSUMPTIONS.presenceEventsPerListener / 2,
    leaveInvocations: http.leaves + ASSUMPTIONS.presenceEventsPerListener / 2,
    mp3BytesOut: partsPerSecond * listeners * run.mp3BytesPerPart,
  };
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * The plan for a venue from one metered run per routing (the one that kept up sets the rates; each prices its own
 * routing). The fan-out's counts are that run's own; for a run without listeners by broadcast, the broadcast run with
 * the most listeners sets them.
 */
export function capacityPlan(runs: readonly MeteredRun[], broadcastRuns: readonly BroadcastRun[], venue: Venue, prices: Prices): CapacityPlan {
  if (runs.length === 0) throw new Error("the capacity plan needs at least one metered run");
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
  const fanout = fanoutCounts(base, broadcastRuns);
  const s = { ...perSession(base, fanout, venue.listeners, heard), recognizerStreams: Math.max(...(held.length > 0 ? held : runs).map((r) => r.recognizer.maxOpenStreams)) };
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
    rate("API Gateway requests (speaker's messages, posts; HTTP joins, heartbeats)", "apiGatewayRequests", S * (s.posts + s.inboundMessages + s.heartbeats + (venue.listeners * s.joinsPerListener) / joinSeconds)),
    rate("API Gateway new WebSocket connections (speakers)", "newConnections", S / joinSeconds),
    rate("IoT Core inbound publishes (one per part and language)", "broadcastInbound", S * s.publishes),
    rate("IoT Core outbound publishes (one per part and listener)", "broadcastOutbound", S * s.deliveries),
    rate("IoT Core connect requests (listeners joining)", "broadcastConnects", (S * venue.listeners) / joinSeconds),
    rate("IoT Core subscriptions (listeners joining)", "broadcastSubscriptions", (S * venue.listeners * ASSUMPTIONS.subscriptionsPerListener) / joinSeconds),
    rate("IoT Core publishes per listener connection", "broadcastPerConnection", s.deliveriesPerListener),
    rate("Transcribe concurrent streams", "recognizerStreams", S * s.recognizerStreams),
    // While the doors are open, listeners' joins come on top.
    rate("DynamoDB writes (new on-demand table)", "tableWrites", S * (s.writeUnits + (venue.listeners * s.tableJoin.write) / joinSeconds)),
    rate("DynamoDB reads (new on-demand table)", "tableReads", S * (s.readUnits + (venue.listeners * s.tableJoin.read) / joinSeconds)),
    rate("DynamoDB reads of one session's connections and listeners (one partition)", "partitionReads", s.connectionReadUnits),
    rate("Kinesis records per shard", "shardRecords", (S * s.kinesisRecords) / shards),
    rate("S3 PUT per prefix (one session and language)", "bucketPrefixPuts", s.s3PutsPerPrefix),
    rate("S3 GET per prefix (one session and language)", "bucketPrefixGets", s.s3Gets / heard),
  ];
  // While the doors are open, the listeners' joins come on top.
  const handlers = Math.ceil((S * (s.handlerInvocations + (venue.listeners * s.joinInvocations) / joinSeconds) * ASSUMPTIONS.handlerMs) / 1000);
  services.push(rate("Lambda concurrent executions", "lambdaConcurrency", handlers));
  const binding = services
    .filter((r) => r.ratio > 1)
    .sort((a, b) => b.ratio - a.ratio)
    .map((r) => ({ name: r.name, ratio: r.ratio, request: Math.ceil(r.rate * 1.25), unit: r.unit, increase: r.increase }));
  const cost = Object.fromEntries(runs.map((run) => [run.routing, sessionHourCost(withRecognizerOf(run), fanout, full, shards, prices)])) as CapacityPlan["cost"];
  return { venue: full, routing: base.routing, fanoutFrom: fanout.from, services, binding, lambdaConcurrency: { handlers, total: handlers }, kinesisShards: shards, cost };
}

function price(prices: Prices, name: string): number {
  const value = prices[name];
  if (value === undefined) throw new Error(`bench/prices.json has no "${name}"`);
  return value;
}

/** Dollars for one session-hour at the venue's shape, from one run: everything the run shows AWS billing. */
export function sessionHourCost(
  run: MeteredRun,
  fanout: FanoutCounts,
  venue: Required<Venue>,
  shards: number,
  prices: Prices,
): { items: Record<string, number>; total: number } {
  const s = perSession(run, fanout, venue.listeners, venue.heard);
  const hour = 3600;
  const p = (name: string) => price(prices, name);
  const invocations = s.handlerInvocations * hour + venue.listeners * (s.joinInvocations + s.leaveInvocations);
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
    http_api: ((s.heartbeats * hour + s.joinsAndLeaves) / 1e6) * p("apigw_http_per_million_requests"),
    // Messages both ways (the consumer's publishes and each delivery), metered in 5 KB steps; connection minutes; the
    // presence rule, triggered with its one action by each listener's connected and disconnected events.
    iot_core:
      (((s.publishes + s.deliveries) * s.iotMeteredPerMessage * hour) / 1e6) * p("iot_core_per_million_messages") +
      ((venue.listeners * 60) / 1e6) * p("iot_core_per_million_connection_minutes") +
      ((venue.listeners * ASSUMPTIONS.presenceEventsPerListener) / 1e6) * (p("iot_core_rules_per_million_triggered") + p("iot_core_rules_per_million_actions")),
    lambda: (invocations / 1e6) * p("lambda_per_million_requests") + invocations * (ASSUMPTIONS.handlerMs / 1000) * ASSUMPTIONS.handlerGb * p("lambda_per_gb_second"),
    // The consumer service's task-hour, shared by the venue's sessions.
    consumer_task:
      (ASSUMPTIONS.consumerTask.vcpu * p("fargate_per_vcpu_hour") + ASSUMPTIONS.consumerTask.gb * p("fargate_per_gb_hour") + p("public_ipv4_per_hour")) / venue.sessions,
    dynamodb:
      ((s.writeUnits * hour + venue.listeners * (s.tableJoin.write + s.tableLeave.write)) / 1e6) * p("dynamodb_per_million_write_units") +
      ((s.readUnits * hour + venue.listeners * (s.tableJoin.read + s.tableLeave.read)) / 1e6) * p("dynamodb_per_million_read_units"),
    s3: ((s.s3Puts * hour) / 1000) * p("s3_put_per_thousand") + ((s.s3Gets * hour) / 1000) * p("s3_get_per_thousand") + ((s.mp3BytesOut * hour) / 1e9) * p("data_transfer_out_per_gb"),
  };
  const rounded = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, round(v, 3)]));
  return { items: rounded, total: round(Object.values(items).reduce((a, b) => a + b, 0)) };
}

/**
 * The capacity plan: from a metered run of the real pipeline with its listeners by broadcast (what one session asked
 * of each AWS service per second of speech, per part and language, per part and listener, per listener and second)
 * the rates a venue of S sessions x L listeners x K languages needs, against the AWS default quotas (`domain/quotas`),
 * and what a session-hour costs. Every count comes from the runs (`metered-run.ts`); the only figures set here are
 * the venue's shape and the stated assumptions (`assumptions.ts`). One session's rates: `session-rates.ts`, its table
 * units `table-rates.ts`, the fan-out's counts `fanout.ts`, the cost `cost.ts`.
 */
import { quota, type QuotaId } from "../quotas/index.ts";
import { ASSUMPTIONS } from "./assumptions.ts";
import { round, sessionHourCost } from "./cost.ts";
import { type FanoutCounts, fanoutCounts } from "./fanout.ts";
import type { BroadcastRun, MeteredRun, Prices, Venue } from "./metered-run.ts";
import { perSession } from "./session-rates.ts";

export { ASSUMPTIONS } from "./assumptions.ts";
export { sessionHourCost } from "./cost.ts";
export { type FanoutCounts, fanoutCounts } from "./fanout.ts";
export type { BroadcastRun, MeteredBroadcast, MeteredRun, MeteredTableRequests, Prices, Venue } from "./metered-run.ts";

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

/** One session's rates per second of speech, per AWS service, scaled from a metered run to the venue's audience. */
import { Broadcast } from "../broadcast/index.ts";
import { ASSUMPTIONS } from "./assumptions.ts";
import type { FanoutCounts } from "./fanout.ts";
import type { MeteredRun } from "./metered-run.ts";
import { tableRates } from "./table-rates.ts";

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

/**
 * Per-session rates, per second of speech, from a metered run (and the fan-out's counts), for a session of
 * `listeners` hearing `heard` languages. Every listener listens by broadcast, as the listener app does: only the
 * speaker's posts and messages reach API Gateway's WebSocket API (a run whose listeners took parts over it has its
 * posts per part and its listeners' pings left out).
 */
export function perSession(run: MeteredRun, fanout: FanoutCounts, listeners: number, heard: number) {
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

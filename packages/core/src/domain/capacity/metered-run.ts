/**
 * What the benchmark measured, as the capacity plan reads it: one metered run of the real pipeline (what one session
 * asked of each AWS service), a run of the fan-out by broadcast, the venue to plan for and the prices.
 */

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

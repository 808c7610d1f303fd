// Settings a deployment may change, read from the environment of `sst deploy` / `sst dev` (documented in
// docs/deploying.md), and what every function shares.
import { maxListenersPerSession } from "../packages/functions/src/deployment";

/** A whole-number setting from the environment; anything else stops the deploy naming the variable. */
function wholeNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text.trim())) throw new Error(`${name} must be a whole number, not "${text}"`);
  return Number(text);
}

/** Requests per second API Gateway lets through to a route: steady rate and burst. */
export interface Throttle {
  rate: number;
  burst: number;
}

export const config = {
  /** Amazon Translate custom terminology names, comma-separated. */
  terminology: process.env.LIVETRANSLATE_TERMINOLOGY ?? "",
  /**
   * `off`: a part of a segment is translated alone, not together with its segment's words before it, which Amazon
   * Translate bills again with every part (docs/design/parts.md).
   */
  partsInContext: process.env.LIVETRANSLATE_PARTS_IN_CONTEXT === "off" ? "off" : "on",
  /** `en=vocabulary-name,...`: Amazon Transcribe custom vocabularies, one per source language. */
  transcribeVocabularies: process.env.LIVETRANSLATE_TRANSCRIBE_VOCABULARIES ?? "",
  /** Listeners one session may hold at a time; the next listener's $connect is refused (429 `session_full`). */
  maxListenersPerSession: maxListenersPerSession(process.env.LIVETRANSLATE_MAX_LISTENERS_PER_SESSION, "LIVETRANSLATE_MAX_LISTENERS_PER_SESSION"),
  /** Where alarms are e-mailed (an SNS subscription the recipient confirms); unset: alarms notify the topic only. */
  alarmEmail: process.env.LIVETRANSLATE_ALARM_EMAIL ?? "",
  /**
   * Requests per second (steady rate, and the burst a full bucket lets through) API Gateway passes to a route before
   * answering 429, counted over every client of the stage together: API Gateway has no per-address limit for HTTP
   * and WebSocket APIs. The default applies to each route by itself; the anonymous routes a code guesser or a flood
   * uses get less.
   */
  throttle: {
    http: {
      default: { rate: 100, burst: 200 },
      routes: {
        "GET /sessions/{sessionId}": { rate: 50, burst: 100 },
        "POST /sessions": { rate: 5, burst: 10 },
        "POST /listener-reports": { rate: 50, burst: 100 },
      },
    },
    /** Messages per route: a speaker sends up to 50 audio chunks a second. */
    websocket: {
      default: { rate: 1000, burst: 2000 },
      routes: { $connect: { rate: 50, burst: 100 } },
    },
  },
  /**
   * Concurrent executions reserved for the function on the audio path (the consumer is a service, not a function), so
   * a flood on the HTTP or $connect functions cannot take them; it is also that function's ceiling. 0 reserves nothing
   * (an account must keep 100 unreserved: one whose Lambda concurrency limit is small cannot reserve).
   */
  reservedConcurrency: {
    Message: wholeNumber("LIVETRANSLATE_MESSAGE_CONCURRENCY", 50),
  },
  /** How long functions' logs and the APIs' access logs (callers' addresses) are kept in CloudWatch. */
  logRetention: "1 week" as const,
  /** `sst dev` runs both apps' vite dev servers on these fixed ports, so each knows the other's URL. */
  devPorts: { speaker: 5173, listener: 5174 },
};

/** A function's `concurrency` setting: none for 0 (a reservation of 0 would stop the function). */
export const reservedConcurrency = (executions: number) => (executions > 0 ? { reserved: executions } : undefined);

/** The Lambda entry of a handler module in packages/functions/src/handlers. */
export const handler = (name: string) => `packages/functions/src/handlers/${name}.handler`;

/** CloudWatch namespace of this stage's own metrics: alarms of one stage never see another stage's traffic. */
export const metricsNamespace = () => `livetranslate/${$app.stage}`;

/** Environment every function gets: Powertools Metrics reads its namespace and default service from it. */
export const functionEnvironment = () => ({ POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(), POWERTOOLS_SERVICE_NAME: "pipeline" });

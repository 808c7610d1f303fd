/**
 * `pnpm start`: local mode on http://localhost:8787 (PORT to change, HOST to listen elsewhere).
 * LIVETRANSLATE_CONSUMER_ENVIRONMENTS (default 4) and LIVETRANSLATE_CONSUMER_ROUTING (sticky | random, default
 * sticky: each session's batches stay in one warm environment, the lowest latency for a venue) set how the
 * consumer runs; LIVETRANSLATE_SEED seeds random routing. LIVETRANSLATE_WS_MAX_CONNECTION_SECONDS (default 7200)
 * and LIVETRANSLATE_WS_IDLE_TIMEOUT_SECONDS (default 600) are API Gateway's connection limits, which the local
 * gateway applies too; shorten them to watch the apps reconnect. LIVETRANSLATE_DATA_DIR (default `.livetranslate/`
 * at the repository's root) keeps sessions, audio and the stream on disk: a restart, even after `kill -9`,
 * carries on where it stopped.
 * LIVETRANSLATE_PUBLIC_HOST names the address phones are told to use when HOST listens on every address (default:
 * this machine's first network address).
 * LIVETRANSLATE_MAX_CONNECTIONS_PER_ADDRESS bounds the WebSocket connections one address may hold (default 100 when
 * HOST is not loopback, unbounded on loopback).
 * LIVETRANSLATE_MAX_LISTENERS_PER_SESSION bounds the listeners one session may hold (default 1000).
 * LIVETRANSLATE_TLS_CERT and LIVETRANSLATE_TLS_KEY (PEM files) serve HTTPS and WSS with that certificate.
 * LIVETRANSLATE_OPERATOR_SECRET is what creating a session needs (default: a fresh one, printed, when HOST is not
 * loopback; none on loopback).
 * LIVETRANSLATE_VAD (energy | silero, default energy) picks how the segmenter decides speech.
 * LIVETRANSLATE_MEMORY_LOG_SECONDS (default 600) is how often a `process.memory` line reports the process's
 * memory, for a venue watching a long service (and the soak benchmark, which asks for every minute).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jsonLog } from "@livetranslate/core/log";
import { maxListenersPerSession } from "@livetranslate/functions/deployment";
import { isLoopback } from "./public-origin.ts";
import { quotaSettings } from "./quotas.ts";
import { startLocal } from "./server.ts";
import { voiceActivityFor, voiceActivitySetting } from "./voice-activity.ts";

const dataDir = path.resolve(
  process.env.LIVETRANSLATE_DATA_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../.livetranslate"),
);

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? "127.0.0.1";
const publicHost = process.env.LIVETRANSLATE_PUBLIC_HOST || undefined;

function consumerSettings() {
  const env = process.env;
  const environments = Number(env.LIVETRANSLATE_CONSUMER_ENVIRONMENTS ?? 4);
  if (!Number.isInteger(environments) || environments < 1 || environments > 64) {
    throw new Error(`LIVETRANSLATE_CONSUMER_ENVIRONMENTS must be a whole number from 1 to 64, not "${env.LIVETRANSLATE_CONSUMER_ENVIRONMENTS}"`);
  }
  const routing = env.LIVETRANSLATE_CONSUMER_ROUTING ?? "sticky";
  if (routing !== "sticky" && routing !== "random") {
    throw new Error(`LIVETRANSLATE_CONSUMER_ROUTING must be "sticky" or "random", not "${routing}"`);
  }
  const seed = Number(env.LIVETRANSLATE_SEED ?? 1);
  if (!Number.isInteger(seed)) throw new Error(`LIVETRANSLATE_SEED must be a whole number, not "${env.LIVETRANSLATE_SEED}"`);
  return { consumerEnvironments: environments, routing, seed } as const;
}

function connectionLimits() {
  const seconds = (name: string) => {
    const value = process.env[name];
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!(n > 0)) throw new Error(`${name} must be a number of seconds above 0, not "${value}"`);
    return n * 1000;
  };
  return {
    maxConnectionMs: seconds("LIVETRANSLATE_WS_MAX_CONNECTION_SECONDS"),
    idleTimeoutMs: seconds("LIVETRANSLATE_WS_IDLE_TIMEOUT_SECONDS"),
  };
}

function maxConnectionsPerAddress(): number | undefined {
  const value = process.env.LIVETRANSLATE_MAX_CONNECTIONS_PER_ADDRESS;
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`LIVETRANSLATE_MAX_CONNECTIONS_PER_ADDRESS must be a whole number above 0, not "${value}"`);
  return n;
}

/** LIVETRANSLATE_TLS_CERT and LIVETRANSLATE_TLS_KEY: PEM files, both or neither. */
function tlsSettings(): { cert: string; key: string } | undefined {
  const { LIVETRANSLATE_TLS_CERT: cert, LIVETRANSLATE_TLS_KEY: key } = process.env;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error("LIVETRANSLATE_TLS_CERT and LIVETRANSLATE_TLS_KEY go together: give both PEM files, or neither");
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

function memoryLogSeconds(): number {
  const value = process.env.LIVETRANSLATE_MEMORY_LOG_SECONDS ?? "600";
  const n = Number(value);
  if (!(n > 0)) throw new Error(`LIVETRANSLATE_MEMORY_LOG_SECONDS must be a number of seconds above 0, not "${value}"`);
  return n;
}

const megabytes = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** " (captions only: gl)": the targets listeners read but do not hear. */
function captionsOnlyNote(captionsOnly: readonly string[] = []): string {
  return captionsOnly.length ? ` (captions only: ${captionsOnly.join(", ")})` : "";
}

try {
  const consumer = consumerSettings();
  const limits = connectionLimits();
  const vad = voiceActivitySetting(process.env.LIVETRANSLATE_VAD);
  const memoryEverySeconds = memoryLogSeconds();
  const quotas = quotaSettings(process.env);
  const tls = tlsSettings();
  const log = jsonLog();
  const local = await startLocal({
    log,
    port,
    host,
    publicHost,
    tls,
    maxConnectionsPerAddress: maxConnectionsPerAddress(),
    operatorSecret: process.env.LIVETRANSLATE_OPERATOR_SECRET || undefined,
    maxListenersPerSession: maxListenersPerSession(process.env.LIVETRANSLATE_MAX_LISTENERS_PER_SESSION, "LIVETRANSLATE_MAX_LISTENERS_PER_SESSION"),
    ...consumer,
    dataDir,
    quotas,
    voiceActivity: await voiceActivityFor(vad),
    connectionLimits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
    brokerPort: process.env.LIVETRANSLATE_BROKER_PORT ? Number(process.env.LIVETRANSLATE_BROKER_PORT) : undefined,
  });
  const languages = local.adapters.languages();
  const secret = local.operatorSecret;
  // The speaker app takes the secret from the link's fragment, which never reaches a server or its logs.
  const speakerUrl = secret ? `${local.url}/speaker#operator=${encodeURIComponent(secret)}` : `${local.url}/speaker`;
  console.log(
    [
      "",
      `livetranslate local mode is running`,
      ``,
      `  Speaker    open ${speakerUrl} in a browser: create a session, allow the microphone, press Start.`,
      ...(secret
        ? [`  operator   secret ${secret}: creating a session needs it (the speaker link carries it; LIVETRANSLATE_OPERATOR_SECRET sets it)`]
        : []),
      `  Listeners  scan the QR code or open the join link the speaker app shows (${local.url}/listen/<session code>),`,
      `             or type the session code at ${local.url}/listen/ ; pick a language, tap "Enable audio".`,
      ...(isLoopback(host)
        ? [`             Phones and other machines: restart with HOST=0.0.0.0; it then prints their links and an operator secret.`]
        : tls
          ? []
          : [
              `             Speaker tokens and everything else travel over plain HTTP: anyone on this network can read them.`,
              `             LIVETRANSLATE_TLS_CERT and LIVETRANSLATE_TLS_KEY (PEM files) serve HTTPS instead.`,
            ]),
      ``,
      `  HTTP API   ${local.url}  (GET /health, GET /languages, POST /sessions, GET /sessions/{id}, POST /listener-reports)`,
      `  WebSocket  ${local.wsUrl}`,
      `  languages  source: ${languages.source.join(", ")}  targets: ${languages.target.join(", ")}${captionsOnlyNote(languages.captionsOnly)}`,
      `  data       ${dataDir}  (sessions, audio and the stream survive a restart; LIVETRANSLATE_DATA_DIR to move it)`,
      `  consumer   ${consumer.consumerEnvironments} execution environments, ${consumer.routing} routing${consumer.routing === "random" ? ` (seed ${consumer.seed})` : ""}, ${vad === "silero" ? "Silero VAD" : "energy"} speech detection`,
      ...(quotas
        ? [
            `  quotas     AWS's, emulated (LIVETRANSLATE_QUOTAS=aws): synthesis ${quotas.synthesisTps}/s, translation ${quotas.translationTps}/s per pair, posts ${quotas.postsPerSecond}/s, broadcast publishes ${quotas.publishesPerSecond}/s, ${quotas.recognizerStreams} recognizer streams, ${quotas.newConnectionsPerSecond} new connections/s`,
          ]
        : []),
      `  try it     curl -s -XPOST ${local.url}/sessions -H 'content-type: application/json'${secret ? ` -H 'authorization: Bearer ${secret}'` : ""} -d '{"sourceLanguage":"en","targetLanguages":["es","fr"]}'`,
      ``,
      `  Ctrl-C stops it.`,
      "",
    ].join("\n"),
  );
  const memory = setInterval(() => {
    // Run with --expose-gc (the soak benchmark does), the heap is measured after a full collection, not wherever
    // the collector's sawtooth happens to be.
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    log({ level: "info", event: "process.memory", rss_mb: megabytes(m.rss), heap_mb: megabytes(m.heapUsed), external_mb: megabytes(m.external) });
  }, memoryEverySeconds * 1000);
  memory.unref();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("stopping local mode...");
    clearInterval(memory);
    await local.close();
    // What closing left running (timers, sockets, ...): nothing but the output streams, once all is well.
    const handles: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
    log({ level: "info", event: "process.stopped", handles });
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/**
 * Local mode: one Node process that plays AWS. Embedded dynalite, kinesalite and s3rver; the WebSocket
 * gateway; a poller playing the Kinesis event source mapping; the local speech engines; and the very
 * handlers Lambda runs, fed AWS-shaped events, with the same AWS adapters pointed at the stand-ins.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { MiddlewareClient } from "@livetranslate/core/adapters/aws/clients";
import { closeEngines, detectLocalEngines, type Engines, supportedLanguages } from "@livetranslate/core/adapters/engines";
import { jsonLog, type Log } from "@livetranslate/core/log";
import type { MemoryMeasurements } from "@livetranslate/core/adapters/memory";
import type { Probe, SegmentResult } from "@livetranslate/core/streaming/pipeline";
import type { SegmenterOptions } from "@livetranslate/core/streaming/segmenter";
import type { VoiceActivityDetector } from "@livetranslate/core/ports";
import type { Adapters } from "@livetranslate/functions/adapters";
import { compose } from "@livetranslate/functions/composition";
import { unrouted } from "@livetranslate/functions/http/api";
import { STREAM_EVENT_SOURCE, WS_ACTIONS } from "@livetranslate/functions/deployment";
import { Hono } from "hono";
import { localAdapters, localMeasurements } from "./adapters.ts";
import { createConsumerEnvironment } from "./consumer-environment.ts";
import { ExecutionEnvironments, type Routing } from "./event-source/environments.ts";
import { KinesisEventSource } from "./event-source/index.ts";
import { filePositions } from "./event-source/positions.ts";
import { forgetStaleConnections } from "./stale-connections.ts";
import { API_GATEWAY_LIMITS, type ConnectionLimits, WebSocketGateway } from "./gateway/index.ts";
import { countEngines, countHttpRequests, countTableRequests, type RequestCounts } from "./metering.ts";
import { localQuotas, type QuotaSettings } from "./quotas.ts";
import { type LocalResources, startResources } from "./resources.ts";
import { mountWebApps } from "./web-apps.ts";
import { operatorSecretFor, requireOperatorSecret } from "./operator.ts";
import { mountAudio } from "./audio-route.ts";
import { S3AudioStore } from "@livetranslate/core/adapters/aws/s3";
import { isLoopback, originOf, publicHost } from "./public-origin.ts";
import { sweepExpiredObjects, sweepExpiredRecords, trimExpiredStreamRecords } from "./expiry.ts";

export interface LocalOptions {
  port?: number;
  host?: string;
  log?: Log;
  /** Engines to use instead of the detected local ones (tests and benchmarks). */
  engines?: Engines;
  segmenterOptions?: Partial<SegmenterOptions>;
  /** The segmenter's speech decision (Silero VAD); without one, the energy rule. */
  voiceActivity?: VoiceActivityDetector;
  /** How long audio objects and records live (1 day, as the S3 lifecycle rule and DynamoDB TTL). */
  lifetimeMs?: number;
  sweepIntervalMs?: number;
  /** Sees every finished segment (the benchmark reads stage times from it). */
  onSegment?: (sessionId: string, result: SegmentResult) => void;
  /** When given, counts the AWS requests made (the benchmark's cost projection). */
  requestCounts?: RequestCounts;
  /** Execution environments the consumer runs in (default 4) and how batches are routed to them (default sticky). */
  consumerEnvironments?: number;
  routing?: Routing;
  /** Seeds random routing (default 1). */
  seed?: number;
  /** Crash tests: where environment `slot` may be killed (see `LocalMode.environments.kill`). */
  probe?: (slot: number) => Probe | undefined;
  /** Fault tests: applied to every AWS client local mode makes. */
  decorateClient?: (client: MiddlewareClient) => void;
  /**
   * Where sessions, connections, stream records, checkpoints, audio objects and the event source's position
   * are kept, so they survive a restart (even `kill -9`); in memory when absent (tests, the benchmark).
   */
  dataDir?: string;
  /** A certificate and its key (PEM): local mode then serves HTTPS and WSS, so tokens do not cross the network in clear. */
  tls?: { cert: string; key: string };
  /** The address clients are told to use when local mode listens on every address (default: this machine's first). */
  publicHost?: string;
  /**
   * WebSocket connections one address may hold at a time (default: 100 when `host` is not loopback, unbounded on
   * loopback, where only this machine connects: the benchmarks open thousands).
   */
  maxConnectionsPerAddress?: number;
  /** Listeners one session may hold (default: the deployment's, `MAX_LISTENERS_PER_SESSION`). */
  maxListenersPerSession?: number;
  /** API Gateway's connection limits by default; tests shorten them. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** Where the broadcast broker (MQTT over WebSockets) listens: by default the port after `port`, any free one with port 0. */
  brokerPort?: number;
  /** AWS's quotas, emulated (`LIVETRANSLATE_QUOTAS=aws`); none when absent. */
  quotas?: QuotaSettings;
  /**
   * What creating a session needs (`Authorization: Bearer <secret>`): this one when given, on any address; a fresh
   * one when `host` is not loopback (`LocalMode.operatorSecret`); none on loopback.
   */
  operatorSecret?: string;
}

export interface LocalMode {
  url: string;
  wsUrl: string;
  port: number;
  /** The gateway's and the HTTP API's adapters (each consumer environment has its own). */
  adapters: Adapters;
  /** The consumer's execution environments (routing, kill). */
  environments: ExecutionEnvironments;
  /** The WebSocket gateway (fault tests have it invoke a connection's messages side by side, as API Gateway does). */
  gateway: Pick<WebSocketGateway, "messageConcurrency">;
  /** The Kinesis stream the speakers' audio goes through, and a client of it (fault tests split its shards). */
  stream: { client: KinesisClient; name: string };
  /**
   * Plays a deploy of new code: the consumer's environments and the WebSocket functions are replaced by new ones with
   * empty memory (new clients, nothing cached); batches and messages in flight finish in the old ones.
   */
  deploy(): Promise<void>;
  /** Counters (faults, retries, checkpoint size) of every function and environment, and listener downloads. */
  measurements: MemoryMeasurements;
  /** The broker listeners by broadcast connect to. */
  broker: LocalResources["broker"];
  /** The secret creating a session needs, if any (see `LocalOptions.operatorSecret`). */
  operatorSecret?: string;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function startLocal(options: LocalOptions = {}): Promise<LocalMode> {
  const log = options.log ?? jsonLog();
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const detected = options.engines ?? (await requireLocalEngines(log));
    closers.push(() => closeEngines(detected));
    const languages = supportedLanguages(detected);
    const warming = warmUp(detected, languages.target, languages.captionsOnly);
    // The functions use the engines under the emulated quotas (warming them up spends none).
    const quotas = options.quotas ? localQuotas(options.quotas) : undefined;
    const counted = options.requestCounts ? countEngines(detected, options.requestCounts) : detected;
    const engines = quotas ? quotas.engines(counted) : counted;

    const measurements = localMeasurements(log);

    const app = new Hono();
    const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app });
    // ws would buffer up to 100 MiB of one message before the gateway could refuse it over 128 KB.
    wss.options.maxPayload = { ...API_GATEWAY_LIMITS, ...options.connectionLimits }.maxMessageBytes;
    const host = options.host ?? "127.0.0.1";
    const operatorSecret = operatorSecretFor(host, options.operatorSecret);
    // Clients may knock before every route is mounted (apps reconnecting to a restarted local mode): they are
    // told to come back, since the router cannot take routes once it has answered a request.
    let ready = false;
    const server = serve({
      fetch: (request, env) =>
        ready
          ? app.fetch(request, env)
          : Response.json({ error: { code: "starting", message: "local mode is starting; try again in a moment" } }, { status: 503 }),
      port: options.port ?? 8787,
      hostname: host,
      ...(options.tls ? { createServer: createHttpsServer, serverOptions: options.tls } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const port = (server.address() as AddressInfo).port;
    const url = originOf(options.tls ? "https" : "http", publicHost(host, options.publicHost), port);
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

    // Sessions, tokens' hashes and audio: for this machine's user only.
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      chmodSync(options.dataDir, 0o700);
    }
    // Listening first: the gateway's URL is its @connections API's, and clients are told to come back until ready.
    const resources = await startResources({
      dataDir: options.dataDir,
      gatewayUrl: `http://127.0.0.1:${port}`,
      broker: { host, port: options.brokerPort ?? (options.port === 0 ? 0 : (options.port ?? 8787) + 1), tls: options.tls },
      log,
      measurements,
      decorateClient: (client) => {
        if (options.requestCounts) countTableRequests(client, options.requestCounts);
        quotas?.client(client);
        options.decorateClient?.(client);
      },
    });
    closers.push(() => resources.close());
    // The gateway's and HTTP API's adapters, and each consumer environment's, are built from the same.
    const shared = {
      resources,
      engines,
      log,
      measurements,
      requestCounts: options.requestCounts,
      quotas,
      publicOrigin: url,
      maxListenersPerSession: options.maxListenersPerSession,
    };
    const adapters = localAdapters({ ...shared, clients: resources.clients });
    const handlers = compose(adapters);
    // The WebSocket functions as deployed now: a deploy swaps them for new ones, the HTTP API stays (it keeps nothing).
    let deployed = handlers;
    const deployedClients: ReturnType<typeof resources.connect>[] = [];
    closers.push(() => {
      for (const clients of deployedClients) for (const client of Object.values(clients)) client.destroy();
    });
    // Listeners by broadcast were connected to the process before's broker: gone before this broker started.
    if (options.dataDir) await forgetStaleConnections(adapters.db, log, resources.broker.startedAt - 1);
    // The consumer runs as Lambda runs it: in isolated execution environments, batches routed among them, each
    // with its own adapters composed by the same root.
    const environments = new ExecutionEnvironments({
      count: options.consumerEnvironments ?? 4,
      routing: options.routing ?? "sticky",
      seed: options.seed,
      log,
      measurements,
      create: (slot) =>
        createConsumerEnvironment(
          {
            ...shared,
            consumer: { segmenterOptions: options.segmenterOptions, voiceActivity: options.voiceActivity, onSegment: options.onSegment },
            probe: options.probe,
          },
          slot,
        ),
    });
    closers.push(() => environments.close());

    const gateway = new WebSocketGateway({
      app,
      upgradeWebSocket,
      managementAccessKeyId: resources.connections.accessKeyId,
      routes: {
        $connect: (event) => deployed.Connect(event),
        $disconnect: (event) => deployed.Disconnect(event),
        $default: (event) => deployed.Message(event),
        actions: Object.fromEntries(WS_ACTIONS.map((action) => [action, (event: Parameters<typeof handlers.Message>[0]) => deployed.Message(event)])),
      },
      onError: (error, context) => log({ level: "error", event: "gateway.handler_failed", ...context, error: String(error) }),
      limits: options.connectionLimits,
      admitConnection: quotas?.admitConnection,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? (isLoopback(host) ? undefined : 100),
      onLimit: ({ connectionId, limit, code }) => {
        log({ level: "info", event: "gateway.connection_limit", connectionId, limit, code });
        measurements.count(`GatewayClosed.${limit}`);
      },
    });
    resources.connections.handler.attach(gateway);
    // The broker's connect and disconnect events go to the presence function, as IoT Core's topic rule sends them.
    resources.broker.onLifecycle((event) => deployed.BroadcastPresenceHandler(event));
    closers.push(() => resources.broker.stopLifecycle());
    closers.push(() => gateway.closeAll());

    // The HTTP API's session routes (listeners' joins and pass renewals): the capacity plan's request counts.
    if (options.requestCounts) countHttpRequests(app, "/sessions", options.requestCounts);
    if (operatorSecret) requireOperatorSecret(app, operatorSecret);
    mountWebApps(app);
    mountAudio(app, resources.s3Endpoint, resources.bucket, new S3AudioStore({ client: resources.clients.s3, bucket: resources.bucket }));
    app.route("/", handlers.Http);
    app.notFound(unrouted(app));
    injectWebSocket(server);
    ready = true;

    const eventSource = new KinesisEventSource({
      client: resources.clients.kinesis,
      streamName: resources.stream,
      environments,
      // The settings the deployed event source mapping has (those the poller plays).
      batchSize: STREAM_EVENT_SOURCE.batchSize,
      maxRetries: STREAM_EVENT_SOURCE.maximumRetryAttempts,
      startingPosition: STREAM_EVENT_SOURCE.startingPosition,
      positions: options.dataDir ? filePositions(path.join(options.dataDir, "event-source-positions.json")) : undefined,
      log,
    });
    await eventSource.start();
    closers.push(() => eventSource.stop());
    await warming;

    const lifetimeMs = options.lifetimeMs ?? DAY_MS;
    const sweepOnce = () =>
      void Promise.all([
        sweepExpiredObjects(resources.clients.s3, resources.bucket, "sessions/", lifetimeMs),
        sweepExpiredRecords(resources.clients.dynamo, resources.table),
        trimExpiredStreamRecords(resources.clients.kinesis, resources.stream),
      ]).catch((error) => log({ level: "warn", event: "sweep.failed", error: String(error) }));
    // Data kept on disk may have expired while local mode was not running.
    if (options.dataDir) sweepOnce();
    const sweep = setInterval(sweepOnce, options.sweepIntervalMs ?? 60 * 60 * 1000);
    sweep.unref();
    closers.push(() => clearInterval(sweep));

    const deploy = async () => {
      const clients = resources.connect();
      deployedClients.push(clients);
      deployed = compose(localAdapters({ ...shared, clients }));
      log({ level: "info", event: "local.deployed" });
      await environments.replaceAll("deployed");
    };
    const stream = { client: resources.clients.kinesis, name: resources.stream };
    return { url, wsUrl: `${url.replace(/^http/, "ws")}/ws`, port, adapters, environments, gateway, stream, deploy, measurements, broker: resources.broker, operatorSecret, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function requireLocalEngines(log: Log): Promise<Engines> {
  const detected = await detectLocalEngines();
  if (!detected.recognizer || !detected.translator || !detected.synthesizer) {
    throw new Error(`local mode cannot start: a speech engine is missing.\n  - ${detected.problems.join("\n  - ")}`);
  }
  // A language whose Apertium pairs are missing is not offered; this says which package brings it.
  for (const problem of detected.problems) log({ level: "warn", event: "engines.missing", problem });
  return { recognizer: detected.recognizer, translator: detected.translator, synthesizer: detected.synthesizer };
}

/**
 * Starts every translation pipeline and loads every voice before the first speaker does: the first
 * sentence would otherwise wait for a dozen Apertium processes to start.
 */
async function warmUp(engines: Engines, targets: readonly string[], captionsOnly: readonly string[]) {
  await Promise.all(
    targets.map(async (target) => {
      const text = await engines.translator.translate("Hello.", "en", target);
      // A captions-only language has no voice to load.
      if (!captionsOnly.includes(target)) await engines.synthesizer.synthesize(text, target);
    }),
  );
  const stream = engines.recognizer.startStream("en");
  await stream.write(new Int16Array(1600));
  await stream.endSegment();
  await stream.end();
}


/**
 * One execution environment of the stream consumer in local mode: its own consumer (its own memory) and its own
 * AWS clients, all behind a fuse, so that killing it stops everything it does, as when Lambda loses an
 * environment. The speech engines are shared (they are processes and WASM modules, not state of the consumer),
 * behind the same fuse.
 */
import {
  addMiddleware,
  createDynamoClient,
  createKinesisClient,
  createManagementClient,
  createS3Client,
  type MiddlewareClient,
} from "@livetranslate/core/aws/clients";
import { ApiGatewayNotifier } from "@livetranslate/core/aws/connections";
import { KinesisIngestReplay } from "@livetranslate/core/aws/kinesis";
import { S3AudioStore } from "@livetranslate/core/aws/s3";
import { StreamConsumer } from "@livetranslate/core/consumer";
import { createDb } from "@livetranslate/core/db";
import type { Engines } from "@livetranslate/core/engines";
import type { Probe, SegmentResult } from "@livetranslate/core/pipeline";
import type { Metrics } from "@livetranslate/core/ports";
import type { SegmenterOptions } from "@livetranslate/core/segmenter";
import type { StandIn } from "@livetranslate/core/standins";
import type { Deps } from "@livetranslate/functions/deps";
import { createStreamHandler } from "@livetranslate/functions/stream/consumer";
import { EnvironmentKilledError, type ExecutionEnvironment } from "./event-source/environments.ts";
import { countAudioStore, countNotifier, type RequestCounts } from "./metering.ts";

export interface ConsumerEnvironmentConfig {
  dynamo: StandIn;
  kinesis: StandIn;
  s3: StandIn;
  table: string;
  stream: string;
  bucket: string;
  managementEndpoint: string;
  managementCredentials: { accessKeyId: string; secretAccessKey: string };
  engines: Engines;
  /** What the handlers share beyond the consumer (log, languages, ingest). */
  deps: Omit<Deps, "db" | "notifier" | "consumer">;
  metrics: Metrics;
  segmenterOptions?: Partial<SegmenterOptions>;
  onSegment?: (sessionId: string, result: SegmentResult) => void;
  requestCounts?: RequestCounts;
  /** Crash tests: where this environment may be killed. */
  probe?: (slot: number) => Probe | undefined;
  /** Applied to every AWS client the environment makes (failed-attempt reports; fault injection in tests). */
  decorateClient(client: MiddlewareClient): void;
}

type SdkClient = MiddlewareClient & { destroy(): void };

export function createConsumerEnvironment(config: ConsumerEnvironmentConfig, slot: number): ExecutionEnvironment {
  let killed = false;
  const refuse = () => {
    if (killed) throw new EnvironmentKilledError(`execution environment ${slot} is gone`);
  };
  const clients: SdkClient[] = [];
  const fused = <C extends SdkClient>(client: C): C => {
    addMiddleware(
      client,
      (next) => async (args) => {
        refuse();
        return next(args);
      },
      { step: "initialize", name: "environmentFuse" },
    );
    config.decorateClient(client);
    clients.push(client);
    return client;
  };
  const db = createDb({ table: config.table, client: fused(createDynamoClient(config.dynamo)) });
  const counts = config.requestCounts;
  const apiGateway = new ApiGatewayNotifier({
    client: fused(createManagementClient(config.managementEndpoint, { credentials: config.managementCredentials })),
  });
  const notifier = counts ? countNotifier(apiGateway, counts) : apiGateway;
  const store = new S3AudioStore({ client: fused(createS3Client(config.s3)), bucket: config.bucket });
  const { recognizer, translator, synthesizer } = config.engines;
  const consumer = new StreamConsumer({
    db,
    recognizer: {
      languages: recognizer.languages,
      startUtterance(language) {
        refuse();
        const utterance = recognizer.startUtterance(language);
        return {
          write: async (pcm) => (refuse(), utterance.write(pcm)),
          finish: async () => (refuse(), utterance.finish()),
          abort: () => utterance.abort(),
        };
      },
    },
    translator: { pairs: translator.pairs, translate: async (...args) => (refuse(), translator.translate(...args)) },
    synthesizer: { languages: synthesizer.languages, synthesize: async (...args) => (refuse(), synthesizer.synthesize(...args)) },
    replay: new KinesisIngestReplay({ client: fused(createKinesisClient(config.kinesis)), streamName: config.stream }),
    audioStore: counts ? countAudioStore(store, counts) : store,
    notifier,
    log: config.deps.log,
    metrics: config.metrics,
    segmenterOptions: config.segmenterOptions,
    onSegment: config.onSegment,
    probe: config.probe?.(slot),
  });
  const deps: Deps = { ...config.deps, db, notifier, consumer, metrics: config.metrics };
  return {
    handler: createStreamHandler(() => deps),
    kill() {
      killed = true;
      consumer.close();
      // Requests in flight fail; anything the environment still tries is refused by the fuse.
      for (const client of clients) client.destroy();
    },
    close() {
      consumer.close();
      for (const client of clients) client.destroy();
    },
  };
}

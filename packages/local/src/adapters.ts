/**
 * Local mode's adapters for the one composition root: the AWS adapters pointed at the embedded stand-ins
 * (dynalite, kinesalite, s3rver, the emulated @connections API), the local speech engines, and measurements
 * as counters in memory plus log lines. Local mode builds one set for the gateway's and the HTTP API's handlers,
 * and one per consumer execution environment (its own clients, its own consumer's memory).
 */
import { ApiGatewayNotifier } from "@livetranslate/core/adapters/aws/connections";
import { IotBroadcastPublisher, listenerAuthorizer } from "@livetranslate/core/adapters/aws/iot";
import { KinesisAudioIngest, KinesisIngestReplay } from "@livetranslate/core/adapters/aws/kinesis";
import { S3AudioStore } from "@livetranslate/core/adapters/aws/s3";
import { createDb } from "@livetranslate/core/domain/db";
import { type Engines, supportedLanguages } from "@livetranslate/core/domain/languages";
import type { Log } from "@livetranslate/core/log";
import { type MemoryMeasurements, memoryMeasurements } from "@livetranslate/core/adapters/memory";
import type { AudioStore, Measurements } from "@livetranslate/core/ports";
import type { Adapters } from "@livetranslate/functions/adapters";
import { buildConsumer, type ConsumerOptions } from "@livetranslate/functions/composition";
import { MAX_LISTENERS_PER_SESSION } from "@livetranslate/functions/deployment";
import { lazy } from "@livetranslate/functions/lazy";
import { audioUrlOn } from "./audio-route.ts";
import { countAudioStore, countIngest, countNotifier, countPublisher, type RequestCounts } from "./metering.ts";
import type { LocalQuotas } from "./quotas.ts";
import type { LocalClients, LocalResources } from "./resources.ts";

export interface LocalAdapterOptions {
  /** Local mode's resources (the table, stream and bucket these adapters use). */
  resources: LocalResources;
  /** The clients this set of adapters uses (a consumer environment's own, or local mode's shared ones). */
  clients: LocalClients;
  engines: Engines;
  log: Log;
  /** Shared by every set of adapters of one local mode, so its counters add up across environments. */
  measurements: Measurements;
  /** How the consumer is built (segmenter, segment observer, crash probe). */
  consumer?: ConsumerOptions;
  /** When given, counts the AWS requests made (the benchmark's cost projection). */
  requestCounts?: RequestCounts;
  /**
   * AWS's quotas, emulated (`LIVETRANSLATE_QUOTAS=aws`): the notifier posts under API Gateway's request rate, the
   * broadcast publisher publishes under IoT Core's inbound publish rate.
   */
  quotas?: LocalQuotas;
  /** Local mode's origin as clients reach it: audio URLs point there (see audio-route.ts). */
  publicOrigin: string;
  /** Listeners one session may hold (`LIVETRANSLATE_MAX_LISTENERS_PER_SESSION`; the deployment's default when absent). */
  maxListenersPerSession?: number;
}

/** The adapters over the given clients, each built (the consumer by the composition's `buildConsumer`) when first read. */
export function localAdapters(options: LocalAdapterOptions): Adapters {
  const { resources, clients, engines, requestCounts: counts } = options;
  const adapters: Adapters = lazy<Adapters>({
    db: () => createDb({ table: resources.table, client: clients.dynamo }),
    ingest: () => {
      const ingest = new KinesisAudioIngest({ client: clients.kinesis, streamName: resources.stream });
      return counts ? countIngest(ingest, counts) : ingest;
    },
    replay: () => new KinesisIngestReplay({ client: clients.kinesis, streamName: resources.stream }),
    broadcast: () => {
      const publisher = new IotBroadcastPublisher({ client: clients.broadcast, topicPrefix: resources.broadcast.topicPrefix });
      const counted = counts ? countPublisher(publisher, counts) : publisher;
      return options.quotas ? options.quotas.publisher(counted) : counted;
    },
    broadcastBroker: () => resources.broadcast,
    // Local mode's broker checks passes with its own hooks; this is IoT Core's authorizer over the same records.
    listenerAuthorizer: () => listenerAuthorizer(adapters.db, resources.broadcast.topicPrefix),
    notifier: () => {
      const notifier = new ApiGatewayNotifier({ client: clients.management });
      const counted = counts ? countNotifier(notifier, counts) : notifier;
      return options.quotas ? options.quotas.notifier(counted) : counted;
    },
    audioStore: () => {
      const s3 = new S3AudioStore({ client: clients.s3, bucket: resources.bucket });
      const audioStore: AudioStore = {
        put: (key, data, contentType) => s3.put(key, data, contentType),
        presignedUrl: async (key, expires) => audioUrlOn(options.publicOrigin, await s3.presignedUrl(key, expires)),
      };
      return counts ? countAudioStore(audioStore, counts) : audioStore;
    },
    recognizer: () => engines.recognizer,
    translator: () => engines.translator,
    synthesizer: () => engines.synthesizer,
    languages: () => {
      const languages = supportedLanguages(engines);
      return () => languages;
    },
    limits: () => ({ maxListenersPerSession: options.maxListenersPerSession ?? MAX_LISTENERS_PER_SESSION }),
    measurements: () => options.measurements,
    log: () => options.log,
    consumer: () => buildConsumer(adapters, options.consumer),
  });
  return adapters;
}

/**
 * Local mode's measurements: counters in memory (the fault tests and the benchmark read them) and the listener
 * apps' reports as log lines. A segment's stage latencies are already in the pipeline's own log line.
 */
export function localMeasurements(log: Log): MemoryMeasurements {
  const memory = memoryMeasurements();
  return {
    ...memory,
    audioDownloads(report) {
      memory.audioDownloads(report);
      const ok = report.downloads.filter((d) => d.ok);
      log({
        level: "info",
        event: "listener.audio_downloads",
        sessionId: report.sessionId,
        language: report.language,
        downloads: report.downloads.length,
        failures: report.downloads.length - ok.length,
        latencyMs: ok.map((d) => d.latencyMs),
      });
    },
  };
}

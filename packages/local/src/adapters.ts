/**
 * Local mode's adapters for the one composition root: the AWS adapters pointed at the embedded stand-ins
 * (dynalite, kinesalite, s3rver, the emulated @connections API), the local speech engines, and measurements
 * as counters in memory plus log lines. Local mode builds one set for the gateway's and the HTTP API's handlers,
 * and one per consumer execution environment (its own clients, its own consumer's memory).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import { createManagementClient, type MiddlewareClient } from "@livetranslate/core/adapters/aws/clients";
import { ApiGatewayNotifier } from "@livetranslate/core/adapters/aws/connections";
import { KinesisAudioIngest, KinesisIngestReplay } from "@livetranslate/core/adapters/aws/kinesis";
import { S3AudioStore } from "@livetranslate/core/adapters/aws/s3";
import { createDb } from "@livetranslate/core/domain/db";
import { type Engines, supportedLanguages } from "@livetranslate/core/domain/languages";
import type { Log } from "@livetranslate/core/log";
import { type MemoryMeasurements, memoryMeasurements } from "@livetranslate/core/adapters/memory";
import type { Measurements } from "@livetranslate/core/ports";
import type { Adapters, SessionConsumer } from "@livetranslate/functions/adapters";
import { buildConsumer, type ConsumerOptions } from "@livetranslate/functions/compose";
import type { InProcessManagementHandler } from "./gateway/in-process-management.ts";
import { countAudioStore, countIngest, countNotifier, type RequestCounts } from "./metering.ts";
import type { LocalQuotas } from "./quotas.ts";

export interface LocalAdapterOptions {
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  s3: S3Client;
  table: string;
  stream: string;
  bucket: string;
  /** The local gateway's @connections API, and the access key it accepts. */
  managementEndpoint: string;
  managementAccessKeyId: string;
  /** Hands the @connections client's signed requests to the gateway in process (local mode); over HTTP without it. */
  managementHandler?: InProcessManagementHandler;
  /** Applied to the @connections client made here, as the caller applied it to the clients it passes. */
  decorateClient?: (client: MiddlewareClient) => void;
  engines: Engines;
  log: Log;
  /** Shared by every set of adapters of one local mode, so its counters add up across environments. */
  measurements: Measurements;
  /** How the consumer is built (segmenter, segment observer, crash probe). */
  consumer?: ConsumerOptions;
  /** When given, counts the AWS requests made (the benchmark's cost projection). */
  requestCounts?: RequestCounts;
  /** AWS's quotas, emulated (`LIVETRANSLATE_QUOTAS=aws`): the notifier posts under the account's request rate. */
  quotas?: LocalQuotas;
}

/** The adapters over the given clients; the consumer is built (by compose's `buildConsumer`) when first read. */
export function localAdapters(options: LocalAdapterOptions): Adapters {
  const counts = options.requestCounts;
  const ingest = new KinesisAudioIngest({ client: options.kinesis, streamName: options.stream });
  const audioStore = new S3AudioStore({ client: options.s3, bucket: options.bucket });
  const managementClient = createManagementClient(options.managementEndpoint, {
    credentials: { accessKeyId: options.managementAccessKeyId, secretAccessKey: "local" },
    requestHandler: options.managementHandler,
  });
  options.decorateClient?.(managementClient);
  const apiNotifier = new ApiGatewayNotifier({ client: managementClient });
  const counted = counts ? countNotifier(apiNotifier, counts) : apiNotifier;
  const notifier = options.quotas ? options.quotas.notifier(counted) : counted;
  const languages = supportedLanguages(options.engines);
  const adapters: Omit<Adapters, "consumer"> = {
    db: createDb({ table: options.table, client: options.dynamo }),
    ingest: counts ? countIngest(ingest, counts) : ingest,
    replay: new KinesisIngestReplay({ client: options.kinesis, streamName: options.stream }),
    notifier,
    audioStore: counts ? countAudioStore(audioStore, counts) : audioStore,
    recognizer: options.engines.recognizer,
    translator: options.engines.translator,
    synthesizer: options.engines.synthesizer,
    languages: () => languages,
    measurements: options.measurements,
    log: options.log,
  };
  let consumer: SessionConsumer | undefined;
  return Object.defineProperty({ ...adapters } as Adapters, "consumer", {
    enumerable: true,
    get: () => (consumer ??= buildConsumer(adapters, options.consumer)),
  });
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

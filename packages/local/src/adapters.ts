/**
 * Local mode's adapters for the one composition root: the AWS adapters pointed at the embedded stand-ins
 * (dynalite, kinesalite, s3rver, the emulated @connections API), the local speech engines, and measurements
 * as log lines.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import { createManagementClient } from "@livetranslate/core/aws/clients";
import { ApiGatewayNotifier } from "@livetranslate/core/aws/connections";
import { KinesisAudioIngest } from "@livetranslate/core/aws/kinesis";
import { S3AudioStore } from "@livetranslate/core/aws/s3";
import { createDb } from "@livetranslate/core/db";
import { type Engines, supportedLanguages } from "@livetranslate/core/languages";
import type { Log } from "@livetranslate/core/log";
import type { Measurements } from "@livetranslate/core/ports";
import type { SegmentResult } from "@livetranslate/core/pipeline";
import type { SegmenterOptions } from "@livetranslate/core/segmenter";
import type { Adapters } from "@livetranslate/functions/adapters";
import { buildConsumer } from "@livetranslate/functions/compose";
import { countAudioStore, countIngest, countNotifier, type RequestCounts } from "./metering.ts";

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
  engines: Engines;
  log: Log;
  segmenterOptions?: Partial<SegmenterOptions>;
  onSegment?: (sessionId: string, result: SegmentResult) => void;
  /** When given, counts the AWS requests made (the benchmark's cost projection). */
  requestCounts?: RequestCounts;
}

export function localAdapters(options: LocalAdapterOptions): Adapters {
  const counts = options.requestCounts;
  const ingest = new KinesisAudioIngest({ client: options.kinesis, streamName: options.stream });
  const audioStore = new S3AudioStore({ client: options.s3, bucket: options.bucket });
  const notifier = new ApiGatewayNotifier({
    client: createManagementClient(options.managementEndpoint, {
      credentials: { accessKeyId: options.managementAccessKeyId, secretAccessKey: "local" },
    }),
  });
  const languages = supportedLanguages(options.engines);
  const adapters: Omit<Adapters, "consumer"> = {
    db: createDb({ table: options.table, client: options.dynamo }),
    ingest: counts ? countIngest(ingest, counts) : ingest,
    notifier: counts ? countNotifier(notifier, counts) : notifier,
    audioStore: counts ? countAudioStore(audioStore, counts) : audioStore,
    ...options.engines,
    languages: () => languages,
    measurements: logMeasurements(options.log),
    log: options.log,
  };
  return {
    ...adapters,
    consumer: buildConsumer(adapters, { segmenterOptions: options.segmenterOptions, onSegment: options.onSegment }),
  };
}

/**
 * Measurements as log lines. A segment's stage latencies are already in the pipeline's own log line, so only
 * what the listener apps report is written here.
 */
export function logMeasurements(log: Log): Measurements {
  return {
    segmentDelivered() {},
    audioDownloads(report) {
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
    flush() {},
  };
}

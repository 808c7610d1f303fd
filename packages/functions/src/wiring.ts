/**
 * AWS wiring: the only module that reads SST's `Resource`, and only when a handler first runs (it throws
 * outside a deployed or `sst dev` function). Builds the AWS adapters of every core port once per
 * Lambda instance.
 */
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { PollyClient } from "@aws-sdk/client-polly";
import { TranscribeStreamingClient } from "@aws-sdk/client-transcribe-streaming";
import { TranslateClient } from "@aws-sdk/client-translate";
import { createDynamoClient, createKinesisClient, createManagementClient, createS3Client } from "@livetranslate/core/aws/clients";
import { ApiGatewayNotifier } from "@livetranslate/core/aws/connections";
import { KinesisAudioIngest, KinesisIngestReplay } from "@livetranslate/core/aws/kinesis";
import { PollySynthesizer } from "@livetranslate/core/aws/polly";
import { S3AudioStore } from "@livetranslate/core/aws/s3";
import { TranscribeRecognizer } from "@livetranslate/core/aws/transcribe";
import { AwsTranslator } from "@livetranslate/core/aws/translate";
import { StreamConsumer } from "@livetranslate/core/consumer";
import { createDb } from "@livetranslate/core/db";
import { supportedLanguages } from "@livetranslate/core/languages";
import { jsonLog } from "@livetranslate/core/log";
import { type SegmentResult, stageDurations } from "@livetranslate/core/pipeline";
import { Resource } from "sst";
import type { Deps } from "./deps.ts";

/** Per-stage and end-to-end latency as CloudWatch embedded metrics (namespace "livetranslate"). */
export const metrics = new Metrics({ namespace: "livetranslate", serviceName: "pipeline" });

export function recordSegmentMetrics(result: SegmentResult): void {
  const stages = stageDurations(result.times);
  const names: Record<string, number | undefined> = {
    SegmenterWait: stages.segmenterWait,
    TranscriptionLatency: stages.asr,
    TranslationLatency: stages.mt,
    SynthesisLatency: stages.tts,
    StoreLatency: stages.store,
    NotifyLatency: stages.notify,
    EndToEndLatency: stages.total,
  };
  for (const [name, value] of Object.entries(names)) {
    if (value !== undefined) metrics.addMetric(name, MetricUnit.Milliseconds, value);
  }
  metrics.addMetric("SegmentsDelivered", MetricUnit.Count, 1);
}

/** Counters (faults, retries, checkpoint size) as CloudWatch metrics beside the latencies. */
const countMetrics = { count: (name: string, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) };

let deps: Deps | undefined;

export function awsDeps(): Deps {
  if (deps) return deps;
  const log = jsonLog();
  const db = createDb({ table: Resource.Sessions.name, client: createDynamoClient() });
  const notifier = new ApiGatewayNotifier({ client: createManagementClient(Resource.Realtime.managementEndpoint) });
  const engines = {
    recognizer: new TranscribeRecognizer({ client: new TranscribeStreamingClient({}) }),
    translator: new AwsTranslator({
      client: new TranslateClient({}),
      terminologyNames: process.env.TRANSLATE_TERMINOLOGY ? process.env.TRANSLATE_TERMINOLOGY.split(",") : undefined,
    }),
    synthesizer: new PollySynthesizer({ client: new PollyClient({}) }),
  };
  const languages = supportedLanguages(engines);
  const kinesisClient = createKinesisClient();
  deps = {
    db,
    ingest: new KinesisAudioIngest({ client: kinesisClient, streamName: Resource.AudioStream.name }),
    notifier,
    consumer: new StreamConsumer({
      db,
      ...engines,
      replay: new KinesisIngestReplay({ client: kinesisClient, streamName: Resource.AudioStream.name }),
      metrics: countMetrics,
      audioStore: new S3AudioStore({ client: createS3Client(), bucket: Resource.Audio.name }),
      notifier,
      log,
      onSegment: (_sessionId, result) => recordSegmentMetrics(result),
    }),
    languages: () => languages,
    log,
    metrics: countMetrics,
  };
  return deps;
}

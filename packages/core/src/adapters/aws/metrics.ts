/**
 * Measurements as CloudWatch metrics, written as embedded metric format log lines by Powertools (no API call, so
 * no IAM action). One namespace per stage (`livetranslate/<stage>`), so a developer's stage never feeds
 * production's alarms; the `service` dimension tells the pipeline's metrics from the listener apps'.
 */
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import type { Measurements } from "../../ports/index.ts";
import type { ListenerReport } from "../../protocol/index.ts";
import { type SegmentResult, stageDurations } from "../../ports/segment-result.ts";

/** The namespace of a stage's metrics; infra's alarms and dashboard use the same. */
export function metricsNamespace(stage: string): string {
  return `livetranslate/${stage}`;
}

const STAGE_METRICS = {
  segmenterWait: "SegmenterWait",
  asr: "TranscriptionLatency",
  mt: "TranslationLatency",
  tts: "SynthesisLatency",
  store: "StoreLatency",
  notify: "NotifyLatency",
  total: "EndToEndLatency",
} as const;

export class CloudWatchMeasurements implements Measurements {
  readonly pipeline: Metrics;
  readonly listener: Metrics;
  private pending = { pipeline: false, listener: false };

  constructor(options: { namespace: string }) {
    this.pipeline = new Metrics({ namespace: options.namespace, serviceName: "pipeline" });
    this.listener = new Metrics({ namespace: options.namespace, serviceName: "listener" });
  }

  segmentDelivered(result: SegmentResult): void {
    const stages = stageDurations(result.times);
    for (const [stage, name] of Object.entries(STAGE_METRICS)) {
      const value = stages[stage as keyof typeof STAGE_METRICS];
      if (value !== undefined) this.pipeline.addMetric(name, MetricUnit.Milliseconds, value);
    }
    this.pipeline.addMetric("SegmentsDelivered", MetricUnit.Count, 1);
    this.pending.pipeline = true;
  }

  audioDownloads(report: ListenerReport): void {
    const failures = report.downloads.filter((d) => !d.ok).length;
    this.listener.addMetric("AudioDownloads", MetricUnit.Count, report.downloads.length);
    this.listener.addMetric("AudioDownloadFailures", MetricUnit.Count, failures);
    for (const download of report.downloads) {
      if (download.ok) this.listener.addMetric("AudioDownloadLatency", MetricUnit.Milliseconds, download.latencyMs);
    }
    this.pending.listener = true;
  }

  /** Counters (faults, retries, checkpoint sizes, billed recognizer seconds) are the pipeline's, as Count metrics. */
  count(name: string, value = 1): void {
    this.pipeline.addMetric(name, MetricUnit.Count, value);
    this.pending.pipeline = true;
  }

  flush(): void {
    // Publishing nothing would log Powertools' "no metrics" warning on every quiet invocation.
    if (this.pending.pipeline) this.pipeline.publishStoredMetrics();
    if (this.pending.listener) this.listener.publishStoredMetrics();
    this.pending = { pipeline: false, listener: false };
  }
}

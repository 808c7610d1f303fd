import { afterEach, describe, expect, it, vi } from "vitest";
import type { SegmentResult } from "../../ports/segment-result.ts";
import { CloudWatchMeasurements, metricsNamespace } from "./metrics.ts";

/** The embedded metric format documents Powertools writes to stdout (CloudWatch turns them into metrics). */
function captureEmf() {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    documents: () =>
      lines
        .flatMap((l) => l.split("\n"))
        .filter((l) => l.includes('"_aws"'))
        .map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } }),
    restore: () => write.mockRestore(),
  };
}

const segment = (closedAt: number): SegmentResult =>
  ({
    segmentId: "a-b-1-00001",
    text: "hello",
    languages: [],
    times: { speechEndCapturedAt: 1000, closedAt, transcribedAt: closedAt + 200, translatedAt: closedAt + 300, synthesizedAt: closedAt + 500, storedAt: closedAt + 550, notifiedAt: closedAt + 600 },
  }) as unknown as SegmentResult;

describe("CloudWatchMeasurements (Powertools, embedded metric format)", () => {
  let capture: ReturnType<typeof captureEmf>;
  afterEach(() => capture.restore());

  it("publishes the pipeline's stage latencies in the stage's namespace, service pipeline", () => {
    // Prepare
    capture = captureEmf();
    const measurements = new CloudWatchMeasurements({ namespace: metricsNamespace("alice") });
    // Act
    measurements.segmentDelivered(segment(1500));
    measurements.flush();
    // Assess
    const [doc] = capture.documents();
    expect(doc!._aws.CloudWatchMetrics[0]!.Namespace).toBe("livetranslate/alice");
    expect(doc!.service).toBe("pipeline");
    expect(doc).toMatchObject({ SegmenterWait: 500, TranscriptionLatency: 200, EndToEndLatency: 1100, SegmentsDelivered: 1 });
    expect(doc!._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: "EndToEndLatency", Unit: "Milliseconds" });
  });

  it("publishes listener downloads under service listener: counts, failures, and the latency of those that worked", () => {
    // Prepare
    capture = captureEmf();
    const measurements = new CloudWatchMeasurements({ namespace: metricsNamespace("production") });
    // Act
    measurements.audioDownloads({
      sessionId: "calm-river-101",
      language: "es",
      downloads: [
        { latencyMs: 120, ok: true },
        { latencyMs: 4000, ok: false },
        { latencyMs: 80, ok: true },
      ],
    });
    measurements.flush();
    // Assess
    const docs = capture.documents();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ service: "listener", AudioDownloads: 3, AudioDownloadFailures: 1, AudioDownloadLatency: [120, 80] });
    expect(docs[0]!._aws.CloudWatchMetrics[0]!.Namespace).toBe("livetranslate/production");
  });

  it("publishes counters as Count metrics of the pipeline, each value a data point", () => {
    // Prepare
    capture = captureEmf();
    const measurements = new CloudWatchMeasurements({ namespace: metricsNamespace("alice") });
    // Act
    measurements.count("StreamReplays");
    measurements.count("CheckpointBytes", 812);
    measurements.count("CheckpointBytes", 790);
    measurements.flush();
    // Assess
    const docs = capture.documents();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ service: "pipeline", StreamReplays: 1, CheckpointBytes: [812, 790] });
    expect(docs[0]!._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: "CheckpointBytes", Unit: "Count" });
  });

  it("writes nothing when nothing was measured", () => {
    capture = captureEmf();
    new CloudWatchMeasurements({ namespace: "livetranslate/x" }).flush();
    expect(capture.documents()).toEqual([]);
  });
});

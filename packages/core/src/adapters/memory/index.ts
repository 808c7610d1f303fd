/**
 * Measurements kept in memory (local mode, tests, the benchmark): every counter, and delivered segments and
 * listener downloads counted under the names the CloudWatch implementation (aws/metrics.ts) publishes them.
 */
import type { Measurements } from "../../ports/index.ts";

export interface MemoryMeasurements extends Measurements {
  counts: Map<string, number>;
  get(name: string): number;
}

export function memoryMeasurements(): MemoryMeasurements {
  const counts = new Map<string, number>();
  const count = (name: string, value = 1) => void counts.set(name, (counts.get(name) ?? 0) + value);
  return {
    counts,
    count,
    segmentDelivered: () => count("SegmentsDelivered"),
    audioDownloads(report) {
      count("AudioDownloads", report.downloads.length);
      count("AudioDownloadFailures", report.downloads.filter((d) => !d.ok).length);
    },
    flush() {},
    get: (name) => counts.get(name) ?? 0,
  };
}

/** Metric sinks beside the ports' `Metrics`: none, or counters in memory (local mode, tests, the benchmark). */
import type { Metrics } from "../ports.ts";

export const noMetrics: Metrics = { count() {} };

export function memoryMetrics(): Metrics & { counts: Map<string, number>; get(name: string): number } {
  const counts = new Map<string, number>();
  return {
    counts,
    count(name, value = 1) {
      counts.set(name, (counts.get(name) ?? 0) + value);
    },
    get: (name) => counts.get(name) ?? 0,
  };
}

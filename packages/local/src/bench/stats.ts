import { wordErrorRate } from "@livetranslate/testing/fixtures";

/** Percentiles over measured values (nearest rank), rounded for reading. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[], digits = 3): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : Number.NaN);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** Word error rate over several texts, each weighted by its reference's words. */
export function weightedWordErrorRate(texts: { reference: string; heard: string }[]): { percent: number; words: number } | undefined {
  let errors = 0;
  let words = 0;
  for (const { reference, heard } of texts) {
    const n = reference.split(/\s+/).filter(Boolean).length;
    errors += wordErrorRate(reference, heard) * n;
    words += n;
  }
  return words === 0 ? undefined : { percent: Number(((100 * errors) / words).toFixed(1)), words };
}

/**
 * chrF (Popović 2015) as sacreBLEU computes it by default: character n-grams of orders 1-6 with whitespace removed,
 * precision and recall averaged over the orders both texts reach, combined as an F-score weighting recall twice
 * (beta 2). Over a corpus the n-gram counts are summed before the score is taken, as sacreBLEU's corpus score does.
 * For the benchmark: how close one translation is to another, on a 0-100 scale.
 */

export const CHRF_ORDER = 6;
export const CHRF_BETA = 2;

/** Per order (index 0 is unigrams): n-grams in the hypothesis, in the reference, and shared (clipped counts). */
export interface ChrfStatistics {
  hypothesis: number[];
  reference: number[];
  matches: number[];
}

function ngrams(text: string, n: number): Map<string, number> {
  const chars = [...text.split(/\s+/).join("")];
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join("");
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** The n-gram counts of one hypothesis against its reference. */
export function chrfStatistics(hypothesis: string, reference: string): ChrfStatistics {
  const stats: ChrfStatistics = { hypothesis: [], reference: [], matches: [] };
  for (let n = 1; n <= CHRF_ORDER; n++) {
    const hyp = ngrams(hypothesis, n);
    const ref = ngrams(reference, n);
    let matches = 0;
    for (const [gram, count] of hyp) matches += Math.min(count, ref.get(gram) ?? 0);
    const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
    stats.hypothesis.push(total(hyp));
    stats.reference.push(total(ref));
    stats.matches.push(matches);
  }
  return stats;
}

/** The score (0-100) of summed statistics. */
export function chrfScore(stats: ChrfStatistics): number {
  let precision = 0;
  let recall = 0;
  let orders = 0;
  for (let i = 0; i < CHRF_ORDER; i++) {
    const hyp = stats.hypothesis[i] ?? 0;
    const ref = stats.reference[i] ?? 0;
    if (hyp === 0 || ref === 0) continue;
    precision += stats.matches[i]! / hyp;
    recall += stats.matches[i]! / ref;
    orders++;
  }
  if (orders === 0) return 0;
  precision /= orders;
  recall /= orders;
  if (precision + recall === 0) return 0;
  const b2 = CHRF_BETA * CHRF_BETA;
  return (100 * (1 + b2) * precision * recall) / (b2 * precision + recall);
}

/** chrF of hypotheses against their references (paired in order), with the counts summed over the pairs. */
export function chrf(pairs: readonly { hypothesis: string; reference: string }[]): number {
  const sum: ChrfStatistics = { hypothesis: Array(CHRF_ORDER).fill(0), reference: Array(CHRF_ORDER).fill(0), matches: Array(CHRF_ORDER).fill(0) };
  for (const { hypothesis, reference } of pairs) {
    const s = chrfStatistics(hypothesis, reference);
    for (let i = 0; i < CHRF_ORDER; i++) {
      sum.hypothesis[i]! += s.hypothesis[i]!;
      sum.reference[i]! += s.reference[i]!;
      sum.matches[i]! += s.matches[i]!;
    }
  }
  return chrfScore(sum);
}

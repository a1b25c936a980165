/** Small, pure statistics for the benchmark: nearest-rank percentiles and a min/median/max summary. */

/**
 * The p-th percentile by the nearest-rank method: the smallest value with at least p % of the values at or below it
 * (so p50 of [1, 2, 3, 4] is 2 and p100 is the maximum). Undefined for an empty list.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median: the mean of the two middle values for an even count. Undefined for an empty list. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const mid = median(values);
  if (mid === undefined) throw new RangeError('summarize: no values');
  return { n: values.length, min: Math.min(...values), median: mid, max: Math.max(...values) };
}

/** a / b, or undefined when b is 0. */
export const ratio = (a: number, b: number): number | undefined => (b === 0 ? undefined : a / b);

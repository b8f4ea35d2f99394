import { HISTOGRAM_BUCKETS, bucketBounds } from '@plexmcp/contracts';

/**
 * Fixed log-scale latency histogram (layout in contracts: the gateway's tallies carry it too).
 * Percentiles are interpolated inside a bucket, so a reported value is within one bucket width
 * (±41 %) of the true one.
 */
export { HISTOGRAM_BUCKETS, bucketBounds, bucketIndex, emptyHistogram } from '@plexmcp/contracts';

/** The q-quantile (0 < q ≤ 1) of a histogram, or null when it is empty; `maxMs` caps the answer. */
export function quantile(
  hist: readonly number[],
  q: number,
  maxMs = Number.POSITIVE_INFINITY,
): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const count = hist[i] ?? 0;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const [lo, hi] = bucketBounds(i);
      const value = lo + ((rank - seen) / count) * (hi - lo);
      return Math.round(Math.min(value, maxMs) * 100) / 100;
    }
    seen += count;
  }
  return null;
}

/**
 * One column per bucket (`h00`…`h39`) in the aggregate tables: merging is plain addition, which
 * keeps the ingest upsert fast (an array-merge function per row cost more than the rest together).
 */
export const HISTOGRAM_COLUMNS: readonly string[] = Array.from(
  { length: HISTOGRAM_BUCKETS },
  (_, i) => `h${String(i).padStart(2, '0')}`,
);

/**
 * Fixed log-scale latency histogram, mergeable by element-wise sum (so minute rows roll up to hours
 * and days exactly). Bucket 0 holds [0, 0.5 ms); bucket i ≥ 1 holds [0.5·√2^(i-1), 0.5·√2^i) ms;
 * the last bucket holds everything from ~370 s up. Percentiles are interpolated inside a bucket,
 * so a reported value is within one bucket width (±41 %) of the true one.
 */
export const HISTOGRAM_BUCKETS = 40;
const FIRST_BOUND_MS = 0.5;
const LOG_RATIO = Math.log(Math.SQRT2);

export function bucketIndex(latencyMs: number): number {
  if (!(latencyMs >= FIRST_BOUND_MS)) return 0;
  const i = Math.floor(Math.log(latencyMs / FIRST_BOUND_MS) / LOG_RATIO) + 1;
  return Math.min(i, HISTOGRAM_BUCKETS - 1);
}

/** Lower and upper bound (ms) of bucket i; the last bucket's upper bound is its lower bound ×√2. */
export function bucketBounds(i: number): [number, number] {
  if (i === 0) return [0, FIRST_BOUND_MS];
  return [FIRST_BOUND_MS * Math.SQRT2 ** (i - 1), FIRST_BOUND_MS * Math.SQRT2 ** i];
}

export function emptyHistogram(): number[] {
  return new Array<number>(HISTOGRAM_BUCKETS).fill(0);
}

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

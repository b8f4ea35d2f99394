/**
 * The latency histogram layout shared by the gateway's usage tallies and the usage-service's
 * aggregates: fixed log-scale buckets, mergeable by element-wise sum (so tallies fold into minute
 * rows and minutes roll up to hours and days exactly). Bucket 0 holds [0, 0.5 ms); bucket i ≥ 1
 * holds [0.5·√2^(i-1), 0.5·√2^i) ms; the last bucket holds everything from ~370 s up.
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

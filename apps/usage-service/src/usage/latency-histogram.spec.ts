import { describe, expect, it } from '@jest/globals';
import {
  bucketBounds,
  bucketIndex,
  emptyHistogram,
  HISTOGRAM_BUCKETS,
  quantile,
} from './latency-histogram.js';

describe('latency histogram', () => {
  it('places every latency in the bucket whose bounds hold it', () => {
    for (const ms of [0, 0.1, 0.5, 1, 7.3, 12, 99.9, 250, 1_000, 30_000]) {
      const [lo, hi] = bucketBounds(bucketIndex(ms));
      expect(ms).toBeGreaterThanOrEqual(lo);
      expect(ms).toBeLessThan(hi);
    }
    expect(bucketIndex(10_000_000)).toBe(HISTOGRAM_BUCKETS - 1);
  });

  it('estimates percentiles within one bucket width', () => {
    const hist = emptyHistogram();
    const latencies = Array.from({ length: 1000 }, (_, i) => 1 + i / 10); // 1 … 100.9 ms
    for (const ms of latencies) hist[bucketIndex(ms)]! += 1;
    const p50 = quantile(hist, 0.5)!;
    const p99 = quantile(hist, 0.99)!;
    expect(p50 / 50.9).toBeGreaterThan(1 / Math.SQRT2);
    expect(p50 / 50.9).toBeLessThan(Math.SQRT2);
    expect(p99 / 99.9).toBeGreaterThan(1 / Math.SQRT2);
    expect(p99 / 99.9).toBeLessThan(Math.SQRT2);
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
  });
});

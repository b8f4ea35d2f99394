import { describe, expect, it } from '@jest/globals';
import { type AnomalyThresholds, detectErrorSpike, detectRequestSpike } from './anomaly-rules.js';

const th: AnomalyThresholds = {
  windowMinutes: 5,
  baselineHours: 24,
  errorMinRequests: 20,
  errorMinRate: 0.25,
  errorBaselineFactor: 5,
  requestSpikeFactor: 10,
  requestMinPerMinute: 60,
  requestMinBaselineMinutes: 60,
};
const quiet = {
  windowRequests: 0,
  windowErrors: 0,
  baselineRequests: 0,
  baselineErrors: 0,
  baselineMinutes: 0,
};

describe('error_spike', () => {
  it('fires on a burst of 5xx from a key with a clean baseline', () => {
    const spike = detectErrorSpike(
      { ...quiet, windowRequests: 30, windowErrors: 30, baselineRequests: 1000, baselineErrors: 2 },
      th,
    );
    expect(spike).toMatchObject({ window_errors: 30, error_rate: 1 });
  });

  it('needs the minimum volume', () => {
    expect(detectErrorSpike({ ...quiet, windowRequests: 19, windowErrors: 19 }, th)).toBeNull();
  });

  it('stays quiet when the error rate is the key’s usual one', () => {
    // Baseline 20 % errors: 5× is beyond 100 %, so 40 % now is not "far above".
    expect(
      detectErrorSpike(
        { ...quiet, windowRequests: 100, windowErrors: 40, baselineRequests: 10_000, baselineErrors: 2_000 },
        th,
      ),
    ).toBeNull();
    expect(detectErrorSpike({ ...quiet, windowRequests: 100, windowErrors: 10 }, th)).toBeNull();
  });
});

describe('request_spike', () => {
  it('fires when volume is far above the per-minute baseline', () => {
    const t = { ...quiet, windowRequests: 5 * 200, baselineRequests: 1440 * 10, baselineMinutes: 1440 };
    expect(detectRequestSpike(t, th)).toMatchObject({
      window_requests_per_minute: 200,
      baseline_requests_per_minute: 10,
    });
  });

  it('ignores normal growth, low absolute volume and keys without history', () => {
    expect(
      detectRequestSpike(
        { ...quiet, windowRequests: 5 * 50, baselineRequests: 1440 * 10, baselineMinutes: 1440 },
        th,
      ),
    ).toBeNull();
    expect(
      detectRequestSpike(
        { ...quiet, windowRequests: 5 * 50, baselineRequests: 1440, baselineMinutes: 1440 },
        th,
      ),
    ).toBeNull();
    expect(detectRequestSpike({ ...quiet, windowRequests: 5 * 1000, baselineMinutes: 30 }, th)).toBeNull();
  });
});

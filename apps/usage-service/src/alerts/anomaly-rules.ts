/**
 * Anomaly thresholds (environment variable in brackets, default after it):
 * - error_spike: in the last `windowMinutes` [ANOMALY_WINDOW_MINUTES, 5] the key made at least
 *   `errorMinRequests` [ANOMALY_ERROR_MIN_REQUESTS, 20] requests and its 5xx rate is at least
 *   max(`errorMinRate` [ANOMALY_ERROR_MIN_RATE, 0.25], baseline 5xx rate × `errorBaselineFactor`
 *   [ANOMALY_ERROR_BASELINE_FACTOR, 5]); the baseline is the key's own traffic over the
 *   `baselineHours` [ANOMALY_BASELINE_HOURS, 24] before the window.
 * - request_spike: the window's requests per minute are at least max(`requestMinPerMinute`
 *   [ANOMALY_REQUEST_MIN_PER_MINUTE, 60], baseline requests per minute × `requestSpikeFactor`
 *   [ANOMALY_REQUEST_SPIKE_FACTOR, 10]), and the key has at least `requestMinBaselineMinutes`
 *   [ANOMALY_REQUEST_MIN_BASELINE_MINUTES, 60] of history before the window (a brand-new key has
 *   no baseline to spike above).
 */
export interface AnomalyThresholds {
  windowMinutes: number;
  baselineHours: number;
  errorMinRequests: number;
  errorMinRate: number;
  errorBaselineFactor: number;
  requestSpikeFactor: number;
  requestMinPerMinute: number;
  requestMinBaselineMinutes: number;
}

export interface KeyTraffic {
  windowRequests: number;
  windowErrors: number;
  baselineRequests: number;
  baselineErrors: number;
  /** Minutes of the baseline period the key existed (0 for a key first seen inside the window). */
  baselineMinutes: number;
}

export interface ErrorSpike {
  window_requests: number;
  window_errors: number;
  error_rate: number;
  baseline_error_rate: number;
  threshold: number;
}

export interface RequestSpike {
  window_requests_per_minute: number;
  baseline_requests_per_minute: number;
  threshold: number;
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function detectErrorSpike(t: KeyTraffic, th: AnomalyThresholds): ErrorSpike | null {
  if (t.windowRequests < th.errorMinRequests) return null;
  const rate = t.windowErrors / t.windowRequests;
  const baselineRate = t.baselineRequests > 0 ? t.baselineErrors / t.baselineRequests : 0;
  const threshold = Math.max(th.errorMinRate, baselineRate * th.errorBaselineFactor);
  if (rate < threshold || t.windowErrors === 0) return null;
  return {
    window_requests: t.windowRequests,
    window_errors: t.windowErrors,
    error_rate: round(rate),
    baseline_error_rate: round(baselineRate),
    threshold: round(threshold),
  };
}

export function detectRequestSpike(t: KeyTraffic, th: AnomalyThresholds): RequestSpike | null {
  if (t.baselineMinutes < th.requestMinBaselineMinutes) return null;
  const perMinute = t.windowRequests / th.windowMinutes;
  const baselinePerMinute = t.baselineRequests / t.baselineMinutes;
  const threshold = Math.max(th.requestMinPerMinute, baselinePerMinute * th.requestSpikeFactor);
  if (perMinute < threshold) return null;
  return {
    window_requests_per_minute: round(perMinute),
    baseline_requests_per_minute: round(baselinePerMinute),
    threshold: round(threshold),
  };
}

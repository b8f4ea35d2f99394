import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@plexmcp/service-kit';
import { bucketStart } from '../usage/time-buckets.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';
import { AlertThresholdsService } from './alert-thresholds.service.js';
import { type AnomalyThresholds, detectErrorSpike, detectRequestSpike } from './anomaly-rules.js';

const MINUTE_MS = 60_000;
const KEYS_PER_QUERY = 500;

/**
 * Volume anomalies (`error_spike`, `request_spike`) of the keys that had traffic since the last
 * pass, evaluated every ANOMALY_EVAL_MS from the committed per-minute aggregates (so they see
 * exactly what was counted, whichever instance counted it). Cool-downs keep one alert per key and
 * type per ALERT_COOLDOWN_MS even when several instances evaluate the same key.
 */
@Injectable()
export class AnomalyDetector {
  private touched = new Set<string>();
  readonly thresholds: AnomalyThresholds;

  constructor(
    private readonly repository: AlertsRepository,
    private readonly alerts: AlertsService,
    private readonly transactions: TransactionRunner,
    private readonly orgThresholds: AlertThresholdsService,
  ) {
    this.thresholds = orgThresholds.defaults;
  }

  /** Called after an ingest batch commits. */
  touch(keyIds: Iterable<string>): void {
    for (const id of keyIds) this.touched.add(id);
  }

  async evaluate(nowMs = Date.now()): Promise<void> {
    if (this.touched.size === 0) return;
    const keys = [...this.touched];
    this.touched = new Set();
    const windowStart = bucketStart(nowMs, 'minute') - (this.thresholds.windowMinutes - 1) * MINUTE_MS;
    const baselineStart = windowStart - this.thresholds.baselineHours * 3_600_000;
    try {
      for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
        const stats = await this.repository.windowStats(
          keys.slice(i, i + KEYS_PER_QUERY),
          new Date(windowStart),
          new Date(baselineStart),
        );
        const byOrg = await this.orgThresholds.forOrgs(stats.map((s) => s.org_id));
        for (const s of stats) {
          const thresholds = byOrg.get(s.org_id) ?? this.thresholds;
          const since = Math.max(baselineStart, s.first_seen_at?.getTime() ?? windowStart);
          const traffic = {
            windowRequests: s.window_requests,
            windowErrors: s.window_errors,
            baselineRequests: s.baseline_requests,
            baselineErrors: s.baseline_errors,
            baselineMinutes: Math.max(0, Math.floor((windowStart - since) / MINUTE_MS)),
          };
          const errorSpike = detectErrorSpike(traffic, thresholds);
          const requestSpike = detectRequestSpike(traffic, thresholds);
          if (!errorSpike && !requestSpike) continue;
          let raised = 0;
          await this.transactions.run(async (tx, { afterCommit }) => {
            if (errorSpike) {
              const alert = await this.alerts.raise(tx, {
                orgId: s.org_id,
                keyId: s.key_id,
                type: 'error_spike',
                subject: '',
                message: `5xx rate ${(errorSpike.error_rate * 100).toFixed(1)}% over the last ${this.thresholds.windowMinutes} min`,
                details: { ...errorSpike, window_minutes: this.thresholds.windowMinutes },
              });
              if (alert) raised += 1;
            }
            if (requestSpike) {
              const alert = await this.alerts.raise(tx, {
                orgId: s.org_id,
                keyId: s.key_id,
                type: 'request_spike',
                subject: '',
                message: `${requestSpike.window_requests_per_minute} requests/min, baseline ${requestSpike.baseline_requests_per_minute}`,
                details: { ...requestSpike, window_minutes: this.thresholds.windowMinutes },
              });
              if (alert) raised += 1;
            }
            afterCommit(() => this.alerts.alertsCommitted(raised));
          });
        }
      }
    } catch (err) {
      // Evaluated again on the next tick (the task logs the failure).
      for (const k of keys) this.touched.add(k);
      throw err;
    }
  }
}

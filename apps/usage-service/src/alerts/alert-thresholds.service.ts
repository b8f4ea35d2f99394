import { Inject, Injectable } from '@nestjs/common';
import {
  type AlertThresholds,
  type AlertThresholdsView,
  type GetAlertThresholdsRequest,
  type SetAlertThresholdsRequest,
} from '@plexmcp/contracts';
import { SERVICE_CONFIG, Tables } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import type { AnomalyThresholds } from './anomaly-rules.js';

/** The wire name of each overridable threshold, and its field in `AnomalyThresholds`. */
const FIELDS = {
  error_min_requests: 'errorMinRequests',
  error_min_rate: 'errorMinRate',
  error_baseline_factor: 'errorBaselineFactor',
  request_spike_factor: 'requestSpikeFactor',
  request_min_per_minute: 'requestMinPerMinute',
  request_min_baseline_minutes: 'requestMinBaselineMinutes',
} as const satisfies Record<keyof AlertThresholds, keyof AnomalyThresholds>;

/**
 * Per-organization anomaly thresholds: the ANOMALY_* settings are the defaults, an organization's
 * overrides (set over REST) replace them for its keys. The only code reading or writing
 * `org_alert_thresholds`.
 */
@Injectable()
export class AlertThresholdsService {
  readonly defaults: AnomalyThresholds;
  private readonly table: string;

  constructor(
    private readonly tables: Tables,
    @Inject(SERVICE_CONFIG) config: UsageServiceConfig,
  ) {
    this.table = `"${tables.schema}".org_alert_thresholds`;
    this.defaults = {
      windowMinutes: config.ANOMALY_WINDOW_MINUTES,
      baselineHours: config.ANOMALY_BASELINE_HOURS,
      errorMinRequests: config.ANOMALY_ERROR_MIN_REQUESTS,
      errorMinRate: config.ANOMALY_ERROR_MIN_RATE,
      errorBaselineFactor: config.ANOMALY_ERROR_BASELINE_FACTOR,
      requestSpikeFactor: config.ANOMALY_REQUEST_SPIKE_FACTOR,
      requestMinPerMinute: config.ANOMALY_REQUEST_MIN_PER_MINUTE,
      requestMinBaselineMinutes: config.ANOMALY_REQUEST_MIN_BASELINE_MINUTES,
    };
  }

  /** The thresholds of each of `orgIds` (the defaults for an organization without overrides). */
  async forOrgs(orgIds: readonly string[]): Promise<Map<string, AnomalyThresholds>> {
    const rows = await this.tables.manager.query<{ org_id: string; overrides: Partial<AlertThresholds> }[]>(
      `SELECT org_id, overrides FROM ${this.table} WHERE org_id = ANY($1::text[])`,
      [[...new Set(orgIds)]],
    );
    return new Map(rows.map((r) => [r.org_id, this.apply(r.overrides)]));
  }

  async get({ actor }: GetAlertThresholdsRequest): Promise<AlertThresholdsView> {
    const rows = await this.tables.manager.query<{ overrides: Partial<AlertThresholds> }[]>(
      `SELECT overrides FROM ${this.table} WHERE org_id = $1`,
      [actor.org_id],
    );
    return this.view(actor.org_id, rows[0]?.overrides ?? {});
  }

  /** Sets the fields given, resets those given as null, keeps the rest (one atomic upsert). */
  async set({ actor, body }: SetAlertThresholdsRequest): Promise<AlertThresholdsView> {
    const set: Record<string, number> = {};
    const reset: string[] = [];
    for (const [name, value] of Object.entries(body)) {
      if (value === null) reset.push(name);
      else if (value !== undefined) set[name] = value;
    }
    const rows = await this.tables.manager.query<{ overrides: Partial<AlertThresholds> }[]>(
      `INSERT INTO ${this.table} AS t (org_id, overrides, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (org_id) DO UPDATE SET overrides = (t.overrides - $3::text[]) || excluded.overrides,
         updated_at = now()
       RETURNING overrides`,
      [actor.org_id, JSON.stringify(set), reset],
    );
    return this.view(actor.org_id, rows[0]!.overrides);
  }

  private apply(overrides: Partial<AlertThresholds>): AnomalyThresholds {
    const out = { ...this.defaults };
    for (const [wire, field] of Object.entries(FIELDS) as [
      keyof AlertThresholds,
      keyof AnomalyThresholds,
    ][]) {
      const value = overrides[wire];
      if (typeof value === 'number') out[field] = value;
    }
    return out;
  }

  private view(orgId: string, overrides: Partial<AlertThresholds>): AlertThresholdsView {
    const effective = this.apply(overrides);
    const thresholds = Object.fromEntries(
      Object.entries(FIELDS).map(([wire, field]) => [wire, effective[field]]),
    ) as AlertThresholds;
    return { object: 'alert_thresholds', organization_id: orgId, thresholds, overrides };
  }
}

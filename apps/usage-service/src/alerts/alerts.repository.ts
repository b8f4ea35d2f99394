import { Injectable } from '@nestjs/common';
import type { AlertStatus, AlertType } from '@plexmcp/contracts';
import { type Cursor, type SqlExecutor, Tables, keysetPage } from '@plexmcp/service-kit';
import { AlertEntity } from './alert.entity.js';

export interface AlertRow {
  id: string;
  org_id: string;
  key_id: string;
  type: AlertType;
  status: AlertStatus;
  message: string;
  details: Record<string, unknown>;
  created_at: Date;
  acknowledged_at: Date | null;
}

export interface WindowStats {
  key_id: string;
  org_id: string;
  window_requests: number;
  window_errors: number;
  baseline_requests: number;
  baseline_errors: number;
  first_seen_at: Date | null;
}

/**
 * Alerts and the per-key state of anomaly detection. Pages and acknowledgements go through the
 * entity's repository; raw SQL remains on the ingest path on purpose: every write there is an
 * atomic upsert or a batch insert from arrays (`ON CONFLICT … RETURNING`), and the window statistics
 * are one aggregate over the usage tables.
 */
@Injectable()
export class AlertsRepository {
  private readonly s: string;

  constructor(private readonly tables: Tables) {
    this.s = `"${tables.schema}"`;
  }

  /**
   * Takes the cool-down slot of (key, type, subject) until `until`; false while a previous alert's
   * cool-down is still running. Atomic, so concurrent instances raise an alert at most once.
   */
  async takeCooldown(
    sql: SqlExecutor,
    keyId: string,
    type: AlertType,
    subject: string,
    until: Date,
  ): Promise<boolean> {
    const rows = await sql.query<unknown[]>(
      `INSERT INTO ${this.s}.alert_cooldowns AS c (key_id, type, subject, until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_id, type, subject) DO UPDATE SET until = excluded.until WHERE c.until <= now()
       RETURNING key_id`,
      [keyId, type, subject, until.toISOString()],
    );
    return rows.length > 0;
  }

  async insert(
    sql: SqlExecutor,
    alert: Omit<AlertRow, 'created_at' | 'acknowledged_at' | 'status'>,
  ): Promise<AlertRow> {
    const [row] = await sql.query<AlertRow[]>(
      `INSERT INTO ${this.s}.alerts (id, org_id, key_id, type, message, details) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING *`,
      [alert.id, alert.org_id, alert.key_id, alert.type, alert.message, JSON.stringify(alert.details)],
    );
    return row!;
  }

  async list(
    orgId: string,
    filter: { status?: AlertStatus; type?: AlertType; keyId?: string },
    limit: number,
    after: Cursor | null,
  ): Promise<AlertRow[]> {
    const qb = this.tables
      .repository(AlertEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId', { orgId });
    if (filter.status) qb.andWhere('a.status = :status', { status: filter.status });
    if (filter.type) qb.andWhere('a.type = :type', { type: filter.type });
    if (filter.keyId) qb.andWhere('a.key_id = :keyId', { keyId: filter.keyId });
    return keysetPage(qb, after, limit).getMany();
  }

  /** Acknowledges an open alert; an alert already acknowledged is answered as it is. */
  async acknowledge(orgId: string, id: string): Promise<AlertRow | null> {
    const alerts = this.tables.repository(AlertEntity);
    const result = await alerts
      .createQueryBuilder()
      .update()
      .set({ status: 'acknowledged', acknowledged_at: () => 'now()' })
      .where("org_id = :orgId AND id = :id AND status = 'open'", { orgId, id })
      .returning('*')
      .execute();
    const [updated] = result.raw as AlertRow[];
    return updated ?? (await alerts.findOneBy({ org_id: orgId, id }));
  }

  /** Creates the profile of keys seen for the first time; returns the ids of those created. */
  async createProfiles(
    sql: SqlExecutor,
    profiles: { keyId: string; orgId: string; firstCountry: string; firstSeenAt: number }[],
  ): Promise<Set<string>> {
    if (profiles.length === 0) return new Set();
    const rows = await sql.query<{ key_id: string }[]>(
      `INSERT INTO ${this.s}.key_profiles (key_id, org_id, first_country, first_seen_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT DO NOTHING RETURNING key_id`,
      [
        profiles.map((p) => p.keyId),
        profiles.map((p) => p.orgId),
        profiles.map((p) => p.firstCountry),
        profiles.map((p) => new Date(p.firstSeenAt).toISOString()),
      ],
    );
    return new Set(rows.map((r) => r.key_id));
  }

  /** Records (key, country) pairs; returns those never seen before. */
  async addCountries(
    sql: SqlExecutor,
    pairs: { keyId: string; country: string; seenAt: number }[],
  ): Promise<{ key_id: string; country: string }[]> {
    if (pairs.length === 0) return [];
    return sql.query<{ key_id: string; country: string }[]>(
      `INSERT INTO ${this.s}.key_countries (key_id, country, first_seen_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
       ON CONFLICT DO NOTHING RETURNING key_id, country`,
      [
        pairs.map((p) => p.keyId),
        pairs.map((p) => p.country),
        pairs.map((p) => new Date(p.seenAt).toISOString()),
      ],
    );
  }

  async countriesOf(sql: SqlExecutor, keyIds: string[]): Promise<{ key_id: string; country: string }[]> {
    return sql.query(
      `SELECT key_id, country FROM ${this.s}.key_countries WHERE key_id = ANY($1::text[]) ORDER BY first_seen_at`,
      [keyIds],
    );
  }

  /** Requests and 5xx of each key in the short window and in the baseline period before it. */
  async windowStats(keyIds: string[], windowStart: Date, baselineStart: Date): Promise<WindowStats[]> {
    const rows = await this.tables.manager.query<Record<string, string | Date | null>[]>(
      `SELECT u.key_id, min(u.org_id) AS org_id,
              coalesce(sum(u.requests) FILTER (WHERE u.bucket >= $2), 0) AS window_requests,
              coalesce(sum(u.s5xx) FILTER (WHERE u.bucket >= $2), 0) AS window_errors,
              coalesce(sum(u.requests) FILTER (WHERE u.bucket < $2), 0) AS baseline_requests,
              coalesce(sum(u.s5xx) FILTER (WHERE u.bucket < $2), 0) AS baseline_errors,
              least((SELECT min(h.bucket) FROM ${this.s}.usage_hour h WHERE h.key_id = u.key_id), min(u.bucket)) AS first_seen_at
       FROM ${this.s}.usage_minute u
       WHERE u.key_id = ANY($1::text[]) AND u.bucket >= $3
       GROUP BY u.key_id`,
      [keyIds, windowStart.toISOString(), baselineStart.toISOString()],
    );
    return rows.map((r) => ({
      key_id: r.key_id as string,
      org_id: r.org_id as string,
      window_requests: Number(r.window_requests),
      window_errors: Number(r.window_errors),
      baseline_requests: Number(r.baseline_requests),
      baseline_errors: Number(r.baseline_errors),
      first_seen_at: (r.first_seen_at as Date | null) ?? null,
    }));
  }
}

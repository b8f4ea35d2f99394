import { Injectable } from '@nestjs/common';
import type { AlertStatus, AlertType } from '@plexmcp/contracts';
import { Tables, type Cursor } from '@plexmcp/service-kit';
import type { SqlExecutor } from '@plexmcp/service-kit';

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
 * Alerts and the per-key state of anomaly detection. Raw SQL throughout on purpose: every write is
 * an atomic upsert or batch insert from arrays (`ON CONFLICT … RETURNING`), and the window
 * statistics are one aggregate over the usage tables on the detector's periodic path.
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
    return this.tables.manager.query<AlertRow[]>(
      `SELECT * FROM ${this.s}.alerts WHERE org_id = $1
         AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR key_id = $4)
         AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::text))
       ORDER BY created_at DESC, id DESC LIMIT $7`,
      [
        orgId,
        filter.status ?? null,
        filter.type ?? null,
        filter.keyId ?? null,
        after?.createdAt.toISOString() ?? null,
        after?.id ?? '',
        limit,
      ],
    );
  }

  async acknowledge(orgId: string, id: string): Promise<AlertRow | null> {
    const updated = await this.tables.rows<AlertRow>(
      this.tables.manager,
      `UPDATE ${this.s}.alerts SET status = 'acknowledged', acknowledged_at = now()
         WHERE org_id = $1 AND id = $2 AND status = 'open' RETURNING *`,
      [orgId, id],
    );
    if (updated[0]) return updated[0];
    const rows = await this.tables.manager.query<AlertRow[]>(
      `SELECT * FROM ${this.s}.alerts WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    return rows[0] ?? null;
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

import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { SqlExecutor } from '../database/data-source.js';
import type { AggregateRow } from '../ingest/usage-aggregator.js';
import { DATA_SOURCE } from '../tokens.js';
import { HISTOGRAM_BUCKETS } from './latency-histogram.js';
import type { Granularity } from './time-buckets.js';

const TABLE_BY_GRANULARITY: Readonly<Record<Granularity, string>> = {
  minute: 'usage_minute',
  hour: 'usage_hour',
  day: 'usage_day',
};

export interface UsageFilter {
  orgId: string;
  keyId: string | null;
  mcpId: string | null;
  from: Date;
  to: Date;
  granularity: Granularity;
}

export interface SeriesRow {
  bucket: Date;
  requests: number;
  billable: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
}

/** Aggregated usage tables (one per granularity); the only code that writes or reads them. */
@Injectable()
export class UsageRepository {
  private readonly schema: string;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    this.schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  }

  private table(granularity: Granularity): string {
    return `"${this.schema}"."${TABLE_BY_GRANULARITY[granularity]}"`;
  }

  /** Remembers event ids and returns those never seen before (the only ones to count). */
  async claimEventIds(sql: SqlExecutor, eventIds: string[]): Promise<Set<string>> {
    const rows = await sql.query<{ event_id: string }[]>(
      `INSERT INTO "${this.schema}".processed_events (event_id)
       SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
      [eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  async upsert(sql: SqlExecutor, granularity: Granularity, rows: AggregateRow[]): Promise<void> {
    if (rows.length === 0) return;
    const t = this.table(granularity);
    await sql.query(
      `INSERT INTO ${t} AS t (org_id, bucket, key_id, mcp_id, country, requests, billable,
                             s2xx, s3xx, s4xx, s5xx, latency_sum, latency_hist)
       SELECT o, b, k, m, c, r, bl, x2, x3, x4, x5, ls, h::bigint[]
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                   $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],
                   $12::float8[], $13::text[])
            AS u(o, b, k, m, c, r, bl, x2, x3, x4, x5, ls, h)
       ON CONFLICT (org_id, bucket, key_id, mcp_id, country) DO UPDATE SET
         requests = t.requests + excluded.requests,
         billable = t.billable + excluded.billable,
         s2xx = t.s2xx + excluded.s2xx,
         s3xx = t.s3xx + excluded.s3xx,
         s4xx = t.s4xx + excluded.s4xx,
         s5xx = t.s5xx + excluded.s5xx,
         latency_sum = t.latency_sum + excluded.latency_sum,
         latency_hist = "${this.schema}".hist_add(t.latency_hist, excluded.latency_hist)`,
      [
        rows.map((r) => r.orgId),
        rows.map((r) => new Date(r.bucket).toISOString()),
        rows.map((r) => r.keyId),
        rows.map((r) => r.mcpId),
        rows.map((r) => r.country),
        rows.map((r) => r.requests),
        rows.map((r) => r.billable),
        rows.map((r) => r.s2xx),
        rows.map((r) => r.s3xx),
        rows.map((r) => r.s4xx),
        rows.map((r) => r.s5xx),
        rows.map((r) => r.latencySum),
        rows.map((r) => `{${r.hist.join(',')}}`),
      ],
    );
  }

  private where(filter: UsageFilter): { clause: string; params: unknown[] } {
    const params: unknown[] = [filter.orgId, filter.from.toISOString(), filter.to.toISOString()];
    let clause = 'org_id = $1 AND bucket >= $2 AND bucket < $3';
    if (filter.keyId) {
      params.push(filter.keyId);
      clause += ` AND key_id = $${params.length}`;
    }
    if (filter.mcpId) {
      params.push(filter.mcpId);
      clause += ` AND mcp_id = $${params.length}`;
    }
    return { clause, params };
  }

  async series(filter: UsageFilter): Promise<SeriesRow[]> {
    const { clause, params } = this.where(filter);
    const rows = await this.dataSource.query<Record<string, string | Date>[]>(
      `SELECT bucket, sum(requests) AS requests, sum(billable) AS billable, sum(s2xx) AS s2xx,
              sum(s3xx) AS s3xx, sum(s4xx) AS s4xx, sum(s5xx) AS s5xx
       FROM ${this.table(filter.granularity)} WHERE ${clause} GROUP BY bucket ORDER BY bucket`,
      params,
    );
    return rows.map((r) => ({
      bucket: r.bucket as Date,
      requests: Number(r.requests),
      billable: Number(r.billable),
      s2xx: Number(r.s2xx),
      s3xx: Number(r.s3xx),
      s4xx: Number(r.s4xx),
      s5xx: Number(r.s5xx),
    }));
  }

  async latencyHistogram(filter: UsageFilter): Promise<number[]> {
    const { clause, params } = this.where(filter);
    const rows = await this.dataSource.query<{ i: string; n: string }[]>(
      `SELECT u.i, sum(u.v) AS n
       FROM ${this.table(filter.granularity)}, unnest(latency_hist) WITH ORDINALITY AS u(v, i)
       WHERE ${clause} GROUP BY u.i`,
      params,
    );
    const hist = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    for (const r of rows) hist[Number(r.i) - 1] = Number(r.n);
    return hist;
  }

  async breakdown(
    filter: UsageFilter,
    column: 'mcp_id' | 'country',
  ): Promise<{ value: string; requests: number }[]> {
    const { clause, params } = this.where(filter);
    const rows = await this.dataSource.query<{ value: string; requests: string }[]>(
      `SELECT ${column} AS value, sum(requests) AS requests FROM ${this.table(filter.granularity)}
       WHERE ${clause} GROUP BY ${column} ORDER BY sum(requests) DESC, ${column}`,
      params,
    );
    return rows.map((r) => ({ value: r.value, requests: Number(r.requests) }));
  }

  /** Deletes aggregate rows older than the retention of their granularity. */
  async prune(granularity: Granularity, before: Date): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM ${this.table(granularity)} WHERE bucket < $1`,
      [before.toISOString()],
    );
    return result[1] ?? 0;
  }

  async pruneEventIds(before: Date, limit: number): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM "${this.schema}".processed_events WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM "${this.schema}".processed_events WHERE processed_at < $1 LIMIT $2))`,
      [before.toISOString(), limit],
    );
    return result[1] ?? 0;
  }
}

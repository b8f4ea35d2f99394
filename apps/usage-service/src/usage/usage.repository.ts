import { Injectable } from '@nestjs/common';
import { type SqlExecutor, Tables, TransactionRunner } from '@plexmcp/service-kit';
import type { AggregateRow, UsageCounts } from '../ingest/usage-aggregator.js';
import { HISTOGRAM_BUCKETS, HISTOGRAM_COLUMNS } from './latency-histogram.js';

const BASE_COLUMNS = [
  'org_id',
  'bucket',
  'key_id',
  'mcp_id',
  'country',
  'requests',
  'billable',
  's2xx',
  's3xx',
  's4xx',
  's5xx',
  'latency_sum',
] as const;
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

export interface SeriesRow extends UsageCounts {
  bucket: Date;
}

/**
 * The WHERE clause of a usage read: the organization, the range, and the key and MCP when given
 * (`$1`…`$n`, in the returned params' order). Shared by every usage table's reads.
 */
export function usageWhere(filter: Pick<UsageFilter, 'orgId' | 'keyId' | 'mcpId' | 'from' | 'to'>): {
  clause: string;
  params: unknown[];
} {
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

/**
 * Aggregated usage tables (one per granularity); the only code that writes or reads them. Raw SQL
 * on purpose: the ingest hot path upserts a batch from arrays in one statement, the rollup adds
 * minutes into hours and days set-wise, and the reads are aggregates (`sum … GROUP BY`).
 */
@Injectable()
export class UsageRepository {
  private readonly schema: string;

  constructor(
    private readonly tables: Tables,
    private readonly transactions: TransactionRunner,
  ) {
    this.schema = tables.schema;
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
    const params: unknown[] = [
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
    ];
    const types = [
      'text',
      'timestamptz',
      'text',
      'text',
      'text',
      'bigint',
      'bigint',
      'bigint',
      'bigint',
      'bigint',
      'bigint',
      'float8',
    ];
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      params.push(rows.map((r) => r.hist[i] ?? 0));
      types.push('bigint');
    }
    const columns = [...BASE_COLUMNS, ...HISTOGRAM_COLUMNS];
    const sums = columns.slice(5).map((c) => `${c} = t.${c} + excluded.${c}`);
    await sql.query(
      `INSERT INTO ${t} AS t (${columns.join(', ')})
       SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
       ON CONFLICT (org_id, bucket, key_id, mcp_id, country) DO UPDATE SET ${sums.join(', ')}`,
      params,
    );
  }

  private where(filter: UsageFilter): { clause: string; params: unknown[] } {
    return usageWhere(filter);
  }

  /**
   * The rows of one granularity as a subquery. Hours and days hold the minutes before the rollup
   * watermark; the minutes after it are added on the fly, so answers are always up to date. One
   * statement sees one snapshot, so the rollup moving in between cannot count a minute twice.
   * `filter.to` must be a bucket boundary of the granularity.
   */
  private source(filter: UsageFilter): { from: string; params: unknown[] } {
    const { clause, params } = this.where(filter);
    const columns = [...BASE_COLUMNS, ...HISTOGRAM_COLUMNS].filter((c) => c !== 'bucket').join(', ');
    if (filter.granularity === 'minute')
      return { from: `(SELECT * FROM ${this.table('minute')} WHERE ${clause}) AS src`, params };
    const width = filter.granularity === 'hour' ? '1 hour' : '1 day';
    return {
      from: `(SELECT bucket, ${columns} FROM ${this.table(filter.granularity)} WHERE ${clause}
              UNION ALL
              SELECT date_bin('${width}', bucket, timestamptz '1970-01-01Z') AS bucket, ${columns}
              FROM ${this.table('minute')}
              WHERE ${clause} AND bucket >= (SELECT watermark FROM "${this.schema}".rollup_state WHERE id = 1)) AS src`,
      params,
    };
  }

  /** The rollup watermark, share-locked until the caller's transaction ends. */
  async lockWatermark(sql: SqlExecutor): Promise<number> {
    const rows = await sql.query<{ watermark: Date }[]>(
      `SELECT watermark FROM "${this.schema}".rollup_state WHERE id = 1 FOR SHARE`,
    );
    return rows[0]!.watermark.getTime();
  }

  /**
   * Adds the minutes in [watermark, until) to the hour and day tables and moves the watermark.
   * FOR UPDATE waits for ingest transactions holding the watermark (they decided, under it, which
   * rows go where), so no minute is rolled up twice or missed. Returns the new watermark.
   */
  async rollup(untilMs: number): Promise<number> {
    return this.transactions.run(async (tx) => {
      const rows = await tx.query<{ watermark: Date }[]>(
        `SELECT watermark FROM "${this.schema}".rollup_state WHERE id = 1 FOR UPDATE`,
      );
      const watermark = rows[0]!.watermark.getTime();
      if (untilMs <= watermark) return watermark;
      const from = new Date(watermark).toISOString();
      const until = new Date(untilMs).toISOString();
      const keyColumns = ['org_id', 'key_id', 'mcp_id', 'country'];
      const sumColumns = [...BASE_COLUMNS.slice(5), ...HISTOGRAM_COLUMNS];
      for (const granularity of ['hour', 'day'] as const) {
        const width = granularity === 'hour' ? '1 hour' : '1 day';
        await tx.query(
          `INSERT INTO ${this.table(granularity)} AS t (bucket, ${keyColumns.join(', ')}, ${sumColumns.join(', ')})
           SELECT date_bin('${width}', bucket, timestamptz '1970-01-01Z'), ${keyColumns.join(', ')},
                  ${sumColumns.map((c) => `sum(${c})`).join(', ')}
           FROM ${this.table('minute')} WHERE bucket >= $1 AND bucket < $2
           GROUP BY 1, ${keyColumns.join(', ')}
           ORDER BY ${keyColumns[0]}, 1, ${keyColumns.slice(1).join(', ')}
           ON CONFLICT (org_id, bucket, key_id, mcp_id, country) DO UPDATE SET
             ${sumColumns.map((c) => `${c} = t.${c} + excluded.${c}`).join(', ')}`,
          [from, until],
        );
      }
      await tx.query(`UPDATE "${this.schema}".rollup_state SET watermark = $1 WHERE id = 1`, [until]);
      return untilMs;
    });
  }

  async series(filter: UsageFilter, sql: SqlExecutor = this.tables.manager): Promise<SeriesRow[]> {
    const { from, params } = this.source(filter);
    const rows = await sql.query<Record<string, string | Date>[]>(
      `SELECT bucket, sum(requests) AS requests, sum(billable) AS billable, sum(s2xx) AS s2xx,
              sum(s3xx) AS s3xx, sum(s4xx) AS s4xx, sum(s5xx) AS s5xx
       FROM ${from} GROUP BY bucket ORDER BY bucket`,
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

  async latencyHistogram(filter: UsageFilter, sql: SqlExecutor = this.tables.manager): Promise<number[]> {
    const { from, params } = this.source(filter);
    const rows = await sql.query<Record<string, string | null>[]>(
      `SELECT ${HISTOGRAM_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')}
       FROM ${from}`,
      params,
    );
    const row = rows[0] ?? {};
    return HISTOGRAM_COLUMNS.map((c) => Number(row[c] ?? 0));
  }

  async breakdown(
    filter: UsageFilter,
    column: 'mcp_id' | 'country',
    sql: SqlExecutor = this.tables.manager,
  ): Promise<{ value: string; requests: number }[]> {
    const { from, params } = this.source(filter);
    const rows = await sql.query<{ value: string; requests: string }[]>(
      `SELECT ${column} AS value, sum(requests) AS requests FROM ${from}
       GROUP BY ${column} ORDER BY sum(requests) DESC, ${column}`,
      params,
    );
    return rows.map((r) => ({ value: r.value, requests: Number(r.requests) }));
  }

  /** Deletes aggregate rows older than the retention of their granularity. */
  async prune(granularity: Granularity, before: Date): Promise<number> {
    // Minutes not rolled up yet are kept whatever their age.
    const result = await this.tables.manager.query<[unknown[], number]>(
      `DELETE FROM ${this.table(granularity)} WHERE bucket < $1
         AND bucket < (SELECT watermark FROM "${this.schema}".rollup_state WHERE id = 1)`,
      [before.toISOString()],
    );
    return result[1] ?? 0;
  }

  async pruneEventIds(before: Date, limit: number): Promise<number> {
    const result = await this.tables.manager.query<[unknown[], number]>(
      `DELETE FROM "${this.schema}".processed_events WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM "${this.schema}".processed_events WHERE processed_at < $1 LIMIT $2))`,
      [before.toISOString(), limit],
    );
    return result[1] ?? 0;
  }
}

import { Injectable } from '@nestjs/common';
import { type SqlExecutor, Tables } from '@plexmcp/service-kit';
import type { LimitObservation } from './limit-rules.js';

export type LimitScope = 'org' | 'key';
export type LimitPeriodName = 'day' | 'month';

export interface CounterIncrement {
  scope: LimitScope;
  subjectId: string;
  period: LimitPeriodName;
  periodStart: number;
  count: number;
}

export interface CounterValue extends Omit<CounterIncrement, 'count'> {
  total: number;
}

export interface BlockRow {
  scope: LimitScope;
  subject_id: string;
  period: LimitPeriodName;
  period_start: Date;
  org_id: string;
  key_id: string | null;
  limit_value: string;
  reset_at: Date;
}

export interface NewBlock {
  scope: LimitScope;
  subjectId: string;
  period: LimitPeriodName;
  periodStart: number;
  orgId: string;
  keyId: string | null;
  limit: number;
  resetAt: number;
}

/** End of a counter's period (UTC), in SQL. */
const PERIOD_END = `((c.period_start AT TIME ZONE 'UTC')
  + CASE c.period WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END) AT TIME ZONE 'UTC'`;

/**
 * Live-request counters and limit blocks. Raw SQL on purpose: the ingest hot path adds a whole
 * batch to the counters in one upsert from arrays, and blocks are inserted, lifted and expired
 * set-wise with `RETURNING` so each change is announced exactly once.
 */
@Injectable()
export class LimitsRepository {
  private readonly schema: string;

  constructor(private readonly tables: Tables) {
    this.schema = tables.schema;
  }

  /** Adds to the live-request counters and returns their new totals. */
  async increment(sql: SqlExecutor, increments: CounterIncrement[]): Promise<CounterValue[]> {
    if (increments.length === 0) return [];
    const sorted = [...increments].sort(
      (a, b) =>
        a.scope.localeCompare(b.scope) ||
        a.subjectId.localeCompare(b.subjectId) ||
        a.period.localeCompare(b.period) ||
        a.periodStart - b.periodStart,
    );
    type Row = {
      scope: LimitScope;
      subject_id: string;
      period: LimitPeriodName;
      period_start: Date;
      count: string;
    };
    const rows = await sql.query<(Row & { inserted: boolean })[]>(
      `INSERT INTO "${this.schema}".usage_counters AS c (scope, subject_id, period, period_start, count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[])
       ON CONFLICT (scope, subject_id, period, period_start) DO UPDATE SET count = c.count + excluded.count
       RETURNING scope, subject_id, period, period_start, count, (xmax = 0) AS inserted`,
      [
        sorted.map((i) => i.scope),
        sorted.map((i) => i.subjectId),
        sorted.map((i) => i.period),
        sorted.map((i) => new Date(i.periodStart).toISOString()),
        sorted.map((i) => i.count),
      ],
    );
    const created = rows.filter((r) => r.inserted);
    if (created.length > 0) {
      // A new counter (new period, or a limit just set) starts from the exact aggregates — days
      // before the rollup watermark plus minutes after it — which already include this batch.
      const seeded = await this.tables.rows<Row>(
        sql,
        `UPDATE "${this.schema}".usage_counters c SET count = (
             SELECT coalesce(sum(d.billable), 0) FROM "${this.schema}".usage_day d
             WHERE (CASE c.scope WHEN 'org' THEN d.org_id ELSE d.key_id END) = c.subject_id
               AND d.bucket >= c.period_start AND d.bucket < ${PERIOD_END}
           ) + (
             SELECT coalesce(sum(m.billable), 0) FROM "${this.schema}".usage_minute m
             WHERE (CASE c.scope WHEN 'org' THEN m.org_id ELSE m.key_id END) = c.subject_id
               AND m.bucket >= greatest(c.period_start, (SELECT watermark FROM "${this.schema}".rollup_state WHERE id = 1))
               AND m.bucket < ${PERIOD_END}
           )
           WHERE (c.scope, c.subject_id, c.period, c.period_start) IN
                 (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]))
           RETURNING scope, subject_id, period, period_start, count`,
        [
          created.map((r) => r.scope),
          created.map((r) => r.subject_id),
          created.map((r) => r.period),
          created.map((r) => r.period_start.toISOString()),
        ],
      );
      const id = (r: Row) => `${r.scope}|${r.subject_id}|${r.period}|${r.period_start.getTime()}`;
      const bySubject = new Map(seeded.map((r) => [id(r), r.count]));
      for (const r of rows) r.count = bySubject.get(id(r)) ?? r.count;
    }
    return rows.map((r) => ({
      scope: r.scope,
      subjectId: r.subject_id,
      period: r.period,
      periodStart: r.period_start.getTime(),
      total: Number(r.count),
    }));
  }

  /** Records blocks; returns only those that did not exist yet (to be announced). */
  async insertBlocks(sql: SqlExecutor, blocks: NewBlock[]): Promise<BlockRow[]> {
    if (blocks.length === 0) return [];
    return sql.query<BlockRow[]>(
      `INSERT INTO "${this.schema}".limit_blocks
         (scope, subject_id, period, period_start, org_id, key_id, limit_value, reset_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
                            $7::bigint[], $8::timestamptz[])
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [
        blocks.map((b) => b.scope),
        blocks.map((b) => b.subjectId),
        blocks.map((b) => b.period),
        blocks.map((b) => new Date(b.periodStart).toISOString()),
        blocks.map((b) => b.orgId),
        blocks.map((b) => b.keyId),
        blocks.map((b) => b.limit),
        blocks.map((b) => new Date(b.resetAt).toISOString()),
      ],
    );
  }

  /**
   * Removes the blocks a newer limit lifted: the subject's limit for that period was removed, or
   * raised above the one the block was reached at, by a setting seen after the block began.
   */
  async deleteLifted(sql: SqlExecutor, observed: readonly LimitObservation[]): Promise<BlockRow[]> {
    if (observed.length === 0) return [];
    return await this.tables.rows<BlockRow>(
      sql,
      `DELETE FROM "${this.schema}".limit_blocks b
          USING unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
                AS o(scope, subject_id, period, lim, seen_at)
          WHERE b.scope = o.scope AND b.subject_id = o.subject_id AND b.period = o.period
            AND (o.lim IS NULL OR o.lim > b.limit_value) AND o.seen_at > b.created_at
          RETURNING b.*`,
      [
        observed.map((o) => o.scope),
        observed.map((o) => o.subjectId),
        observed.map((o) => o.period),
        observed.map((o) => o.limit),
        observed.map((o) => new Date(o.seenAt).toISOString()),
      ],
    );
  }

  async markAnnounced(blocks: BlockRow[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.tables.manager.query(
      `UPDATE "${this.schema}".limit_blocks SET announced = true
       WHERE (scope, subject_id, period, period_start) IN
             (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]))`,
      [
        blocks.map((b) => b.scope),
        blocks.map((b) => b.subject_id),
        blocks.map((b) => b.period),
        blocks.map((b) => b.period_start.toISOString()),
      ],
    );
  }

  /** Blocks committed but not yet announced for a while (their announcer died in between). */
  async unannounced(olderThanMs: number): Promise<BlockRow[]> {
    return this.tables.manager.query<BlockRow[]>(
      `SELECT * FROM "${this.schema}".limit_blocks
       WHERE NOT announced AND created_at < now() - make_interval(secs => $1) AND reset_at > now()`,
      [olderThanMs / 1000],
    );
  }

  /** Removes blocks whose period has ended; each is returned to exactly one caller. */
  async takeExpired(): Promise<BlockRow[]> {
    return await this.tables.rows<BlockRow>(
      this.tables.manager,
      `DELETE FROM "${this.schema}".limit_blocks WHERE reset_at <= now() RETURNING *`,
    );
  }

  async active(): Promise<BlockRow[]> {
    return this.tables.manager.query<BlockRow[]>(
      `SELECT * FROM "${this.schema}".limit_blocks WHERE reset_at > now() ORDER BY created_at`,
    );
  }

  async pruneCounters(before: Date): Promise<void> {
    await this.tables.manager.query(`DELETE FROM "${this.schema}".usage_counters WHERE period_start < $1`, [
      before.toISOString(),
    ]);
  }
}

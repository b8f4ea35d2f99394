import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { HISTOGRAM_COLUMNS } from './latency-histogram.js';

/** The leading primary-key columns of every usage table: organization, time bucket, key, MCP. */
export abstract class UsageKeyColumns {
  @PrimaryColumn({ type: 'text', collation: 'C' })
  org_id!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  bucket!: Date;

  @PrimaryColumn({ type: 'text', collation: 'C' })
  key_id!: string;

  /** '' = a request outside any MCP route (never in the per-tool table). */
  @PrimaryColumn({ type: 'text', collation: 'C' })
  mcp_id!: string;
}

/**
 * One row of usage per (org, bucket, key, MCP, country) at one granularity. Property names are the
 * column names, the shape the raw aggregate SQL of `UsageRepository` reads and writes. `bigint`
 * sums arrive from pg as strings.
 */
abstract class UsageAggregate extends UsageKeyColumns {
  /** '' = unknown location. */
  @PrimaryColumn({ type: 'text', collation: 'C' })
  country!: string;

  @Column({ type: 'bigint' })
  requests!: string;

  @Column({ type: 'bigint' })
  billable!: string;

  @Column({ type: 'bigint' })
  s2xx!: string;

  @Column({ type: 'bigint' })
  s3xx!: string;

  @Column({ type: 'bigint' })
  s4xx!: string;

  @Column({ type: 'bigint' })
  s5xx!: string;

  @Column({ type: 'double precision' })
  latency_sum!: number;
}

// The latency histogram's buckets, one `bigint NOT NULL DEFAULT 0` column each (`h0` …).
for (const name of HISTOGRAM_COLUMNS) {
  Column({ type: 'bigint', default: 0 })(UsageAggregate.prototype, name);
}

@Entity({ name: 'usage_minute' })
@Index('usage_minute_key_bucket', { synchronize: false })
export class UsageMinuteEntity extends UsageAggregate {}

@Entity({ name: 'usage_hour' })
@Index('usage_hour_key_bucket', { synchronize: false })
export class UsageHourEntity extends UsageAggregate {}

@Entity({ name: 'usage_day' })
@Index('usage_day_key_bucket', { synchronize: false })
export class UsageDayEntity extends UsageAggregate {}

/** Minute rows before `watermark` are already added into usage_hour and usage_day (one row, id 1). */
@Entity({ name: 'rollup_state' })
export class RollupStateEntity {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  @Column({ type: 'timestamptz' })
  watermark!: Date;
}

/** An event id already counted: the ingest inserts ids first and aggregates only the new ones. */
@Entity({ name: 'processed_events' })
@Index('processed_events_processed_at', { synchronize: false })
export class ProcessedEventEntity {
  @PrimaryColumn({ type: 'text', collation: 'C' })
  event_id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  processed_at!: Date;
}

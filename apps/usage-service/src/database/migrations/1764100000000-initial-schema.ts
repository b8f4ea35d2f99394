import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

import { HISTOGRAM_COLUMNS } from '../../usage/latency-histogram.js';

const AGGREGATE_TABLES = ['usage_minute', 'usage_hour', 'usage_day'] as const;

export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const t = (name: string) => table(q, name);

    // Ids use the "C" collation: byte comparison keeps the hot indexes cheap.
    // Event ids already counted: the ingest inserts ids first and aggregates only the new ones.
    await q.query(`CREATE TABLE ${t('processed_events')} (
      event_id text COLLATE "C" PRIMARY KEY,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE INDEX processed_events_processed_at ON ${t('processed_events')} USING brin (processed_at)`,
    );

    for (const name of AGGREGATE_TABLES) {
      // mcp_id '' = request outside any MCP route; country '' = unknown location.
      await q.query(`CREATE TABLE ${t(name)} (
        org_id text COLLATE "C" NOT NULL,
        bucket timestamptz NOT NULL,
        key_id text COLLATE "C" NOT NULL,
        mcp_id text COLLATE "C" NOT NULL,
        country text COLLATE "C" NOT NULL,
        requests bigint NOT NULL,
        billable bigint NOT NULL,
        s2xx bigint NOT NULL,
        s3xx bigint NOT NULL,
        s4xx bigint NOT NULL,
        s5xx bigint NOT NULL,
        latency_sum double precision NOT NULL,
        ${HISTOGRAM_COLUMNS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (org_id, bucket, key_id, mcp_id, country)
      )`);
      await q.query(`CREATE INDEX ${name}_key_bucket ON ${t(name)} (key_id, bucket)`);
    }

    // Minute rows before `watermark` are already added into usage_hour and usage_day.
    await q.query(`CREATE TABLE ${t('rollup_state')} (
      id smallint PRIMARY KEY,
      watermark timestamptz NOT NULL
    )`);
    await q.query(
      `INSERT INTO ${t('rollup_state')} (id, watermark) VALUES (1, date_bin('1 minute', now(), timestamptz '1970-01-01Z'))`,
    );

    // Live-request counters per limit period (org/month, key/day, key/month).
    await q.query(`CREATE TABLE ${t('usage_counters')} (
      scope text NOT NULL,
      subject_id text NOT NULL,
      period text NOT NULL,
      period_start timestamptz NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (scope, subject_id, period, period_start)
    )`);
    await q.query(`CREATE TABLE ${t('limit_blocks')} (
      scope text NOT NULL,
      subject_id text NOT NULL,
      period text NOT NULL,
      period_start timestamptz NOT NULL,
      org_id text NOT NULL,
      key_id text,
      limit_value bigint NOT NULL,
      reset_at timestamptz NOT NULL,
      announced boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, subject_id, period, period_start)
    )`);

    await q.query(`CREATE TABLE ${t('key_profiles')} (
      key_id text PRIMARY KEY,
      org_id text NOT NULL,
      first_country text,
      first_seen_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE ${t('key_countries')} (
      key_id text NOT NULL,
      country text NOT NULL,
      first_seen_at timestamptz NOT NULL,
      PRIMARY KEY (key_id, country)
    )`);

    await q.query(`CREATE TABLE ${t('alerts')} (
      id text PRIMARY KEY,
      org_id text NOT NULL,
      key_id text NOT NULL,
      type text NOT NULL,
      status text NOT NULL DEFAULT 'open',
      message text NOT NULL,
      details jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      acknowledged_at timestamptz
    )`);
    await q.query(`CREATE INDEX alerts_org_created ON ${t('alerts')} (org_id, created_at DESC, id DESC)`);
    // One row per (key, type, subject): an alert is raised only when `until` has passed.
    await q.query(`CREATE TABLE ${t('alert_cooldowns')} (
      key_id text NOT NULL,
      type text NOT NULL,
      subject text NOT NULL,
      until timestamptz NOT NULL,
      PRIMARY KEY (key_id, type, subject)
    )`);

    await q.query(`CREATE TABLE ${t('webhooks')} (
      id text PRIMARY KEY,
      org_id text NOT NULL,
      url text NOT NULL,
      description text,
      events text[] NOT NULL,
      secret text NOT NULL,
      status text NOT NULL DEFAULT 'enabled',
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX webhooks_org_created ON ${t('webhooks')} (org_id, created_at DESC, id DESC)`);
    await q.query(`CREATE TABLE ${t('webhook_deliveries')} (
      id text PRIMARY KEY,
      webhook_id text NOT NULL REFERENCES ${t('webhooks')} (id) ON DELETE CASCADE,
      org_id text NOT NULL,
      event_type text NOT NULL,
      body text NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempt_count integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due ON ${t('webhook_deliveries')} (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_webhook ON ${t('webhook_deliveries')} (webhook_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE TABLE ${t('webhook_attempts')} (
      delivery_id text NOT NULL REFERENCES ${t('webhook_deliveries')} (id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      attempted_at timestamptz NOT NULL,
      status_code integer,
      error text,
      duration_ms integer NOT NULL,
      PRIMARY KEY (delivery_id, attempt)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const t = (name: string) => table(q, name);
    for (const name of [
      'webhook_attempts',
      'webhook_deliveries',
      'webhooks',
      'alert_cooldowns',
      'alerts',
      'key_countries',
      'key_profiles',
      'limit_blocks',
      'usage_counters',
      'rollup_state',
      ...AGGREGATE_TABLES,
      'processed_events',
    ]) {
      await q.query(`DROP TABLE ${t(name)}`);
    }
  }
}

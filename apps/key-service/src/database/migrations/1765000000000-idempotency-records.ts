import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * Idempotency-Key records of the gateway's POST routes, one per (organization, key), shared by
 * every gateway instance. `status` is null while the first request runs; `response` is its answer,
 * encrypted at rest (a create or rotate answer holds a key). Rows older than 24 h are swept; the
 * index on `created_at` serves the sweep.
 */
export class IdempotencyRecords1765000000000 implements MigrationInterface {
  name = 'IdempotencyRecords1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const records = table(q, 'idempotency_records');
    await q.query(`
      CREATE TABLE ${records} (
        org_id text NOT NULL,
        idempotency_key text NOT NULL,
        fingerprint text NOT NULL,
        status integer NULL CHECK (status BETWEEN 100 AND 499),
        response text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, idempotency_key),
        CHECK ((status IS NULL) = (response IS NULL))
      )`);
    await q.query(`CREATE INDEX idempotency_records_created_idx ON ${records} (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${table(q, 'idempotency_records')}`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * Key controls: free-form `metadata` pairs and `tags` (both indexed for the list filters), the
 * key's own IP allowlist, and the `disabled` state (refused until re-enabled, never swept).
 */
export class KeyControls1765300000001 implements MigrationInterface {
  name = 'KeyControls1765300000001';

  async up(q: QueryRunner): Promise<void> {
    const keys = table(q, 'api_keys');
    await q.query(`ALTER TABLE ${keys}
      ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
      ADD COLUMN ip_allowlist text[] NULL`);
    await q.query(`ALTER TABLE ${keys} DROP CONSTRAINT IF EXISTS api_keys_status_check`);
    await q.query(
      `ALTER TABLE ${keys} ADD CONSTRAINT api_keys_status_check CHECK (status IN ('active', 'disabled', 'revoked', 'expired'))`,
    );
    await q.query(`CREATE INDEX api_keys_tags ON ${keys} USING gin (tags)`);
    await q.query(`CREATE INDEX api_keys_metadata ON ${keys} USING gin (metadata jsonb_path_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const keys = table(q, 'api_keys');
    const schema = keys.split('.')[0];
    await q.query(`DROP INDEX ${schema}.api_keys_metadata`);
    await q.query(`DROP INDEX ${schema}.api_keys_tags`);
    await q.query(`UPDATE ${keys} SET status = 'active' WHERE status = 'disabled'`);
    await q.query(`ALTER TABLE ${keys} DROP CONSTRAINT api_keys_status_check`);
    await q.query(
      `ALTER TABLE ${keys} ADD CONSTRAINT api_keys_status_check CHECK (status IN ('active', 'revoked', 'expired'))`,
    );
    await q.query(`ALTER TABLE ${keys} DROP COLUMN metadata, DROP COLUMN tags, DROP COLUMN ip_allowlist`);
  }
}

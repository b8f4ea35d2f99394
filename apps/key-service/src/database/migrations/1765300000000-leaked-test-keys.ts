import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * An organization's choice for test keys a secret scanner reports leaked: revoke them like live
 * keys (true), or only alert (false, the default: test keys reach test MCPs only).
 */
export class LeakedTestKeys1765300000000 implements MigrationInterface {
  name = 'LeakedTestKeys1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE ${table(q, 'organizations')} ADD COLUMN revoke_leaked_test_keys boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${table(q, 'organizations')} DROP COLUMN revoke_leaked_test_keys`);
  }
}

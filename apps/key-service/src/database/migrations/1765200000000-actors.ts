import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * Who did it. Every audit entry names its actor — a person (`user`), a key (`key`) or PlexMCP
 * itself (`system`: the operator's CLI, the sweeper) — with what it was called at that moment
 * (`actor_display`: a person's email, a key's name and prefix). Every key records who created it
 * (`created_by_*`), and a key list can be narrowed to one creator (the index).
 *
 * Existing rows are filled in from what was already known: an entry's acting key, and the
 * `key.created` entry of each key.
 */
export class Actors1765200000000 implements MigrationInterface {
  name = 'Actors1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const audit = table(q, 'audit_log');
    const keys = table(q, 'api_keys');
    const kind = `text NOT NULL DEFAULT 'system' CHECK (%s IN ('user', 'key', 'system'))`;

    await q.query(`
      ALTER TABLE ${audit}
        ADD COLUMN actor_type ${kind.replace('%s', 'actor_type')},
        ADD COLUMN actor_id text NULL,
        ADD COLUMN actor_display text NOT NULL DEFAULT 'system'`);
    await q.query(`ALTER TABLE ${audit} DROP CONSTRAINT IF EXISTS audit_log_target_type_check`);
    await q.query(`
      ALTER TABLE ${audit} ADD CONSTRAINT audit_log_target_type_check
        CHECK (target_type IN ('api_key', 'mcp', 'organization', 'member', 'invitation'))`);
    await q.query(`
      UPDATE ${audit} a
         SET actor_type = 'key', actor_id = a.actor_key_id,
             actor_display = k.name || ' (' || k.prefix || '…' || k.last4 || ')'
        FROM ${keys} k
       WHERE k.id = a.actor_key_id`);

    await q.query(`
      ALTER TABLE ${keys}
        ADD COLUMN created_by_type ${kind.replace('%s', 'created_by_type')},
        ADD COLUMN created_by_id text NULL,
        ADD COLUMN created_by_display text NOT NULL DEFAULT 'system'`);
    await q.query(`
      UPDATE ${keys} k
         SET created_by_type = a.actor_type, created_by_id = a.actor_id, created_by_display = a.actor_display
        FROM ${audit} a
       WHERE a.action = 'key.created' AND a.target_type = 'api_key' AND a.target_id = k.id`);
    await q.query(`
      CREATE INDEX api_keys_org_creator_idx ON ${keys} (org_id, created_by_id, created_at DESC, id DESC)
        WHERE created_by_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    const audit = table(q, 'audit_log');
    const keys = table(q, 'api_keys');
    await q.query(`DROP INDEX ${table(q, 'api_keys_org_creator_idx')}`);
    await q.query(
      `ALTER TABLE ${keys} DROP COLUMN created_by_type, DROP COLUMN created_by_id, DROP COLUMN created_by_display`,
    );
    await q.query(`DELETE FROM ${audit} WHERE target_type IN ('member', 'invitation')`);
    await q.query(`ALTER TABLE ${audit} DROP CONSTRAINT audit_log_target_type_check`);
    await q.query(
      `ALTER TABLE ${audit} ADD CONSTRAINT audit_log_target_type_check CHECK (target_type IN ('api_key', 'mcp', 'organization'))`,
    );
    await q.query(
      `ALTER TABLE ${audit} DROP COLUMN actor_type, DROP COLUMN actor_id, DROP COLUMN actor_display`,
    );
  }
}

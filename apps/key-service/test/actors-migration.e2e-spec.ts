import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestSchema, testDatabaseUrl, testEncryptionKeys } from '@plexmcp/service-kit/testing';
import { Keyring, dataSourceOptions, migrateWithLock } from '@plexmcp/service-kit';
import { DataSource } from 'typeorm';
import { MIGRATIONS, migrate } from '../src/database/data-source.js';

/**
 * The migration that names every actor fills in what was already known, on a database written
 * before it: an audit entry's acting key becomes a `key` actor with the key's name and prefix, the
 * CLI's entries stay `system`, and every key's creator comes from its `key.created` entry.
 */
describe('actors migration on existing data', () => {
  let schema: string;
  let drop: () => Promise<void>;
  let db: DataSource;
  const t = (name: string) => `"${schema}"."${name}"`;

  beforeAll(async () => {
    ({ schema, drop } = await createTestSchema('ks_actors_mig'));
    // The schema as it was before: every migration up to (not including) the actors one.
    const before = MIGRATIONS.filter((m) => !m.name.startsWith('Actors'));
    db = await new DataSource(
      dataSourceOptions({
        url: testDatabaseUrl(),
        schema,
        entities: [],
        migrations: before,
        poolSize: 1,
        applicationName: 'actors-migration-test',
      }),
    ).initialize();
    await migrateWithLock(db, () => Promise.resolve());
    await db.query(`INSERT INTO ${t('organizations')} (id, name) VALUES ('org_aaaaaaaaaaaaaaaa', 'Old')`);
    const key = (id: string, name: string) =>
      db.query(
        `INSERT INTO ${t('api_keys')} (id, org_id, name, mode, key_hash, prefix, last4, permissions, expires_at)
         VALUES ($1, 'org_aaaaaaaaaaaaaaaa', $2, 'live', $3, 'pk_live_AbCd', 'wxyz', '{"mcps":"*"}', now() + interval '1 day')`,
        [id, name, id.padEnd(64, '0')],
      );
    await key('key_admin00000000000', 'Admin key');
    await key('key_child00000000000', 'Child');
    const audit = (id: string, actor: string | null, action: string, target: string) =>
      db.query(
        `INSERT INTO ${t('audit_log')} (id, org_id, actor_key_id, action, target_type, target_id)
         VALUES ($1, 'org_aaaaaaaaaaaaaaaa', $2, $3, 'api_key', $4)`,
        [id, actor, action, target],
      );
    await audit('aud_1', null, 'key.created', 'key_admin00000000000');
    await audit('aud_2', 'key_admin00000000000', 'key.created', 'key_child00000000000');
    await audit('aud_3', 'key_child00000000000', 'key.updated', 'key_child00000000000');
    await db.destroy();

    await migrate(
      { databaseUrl: testDatabaseUrl(), dbSchema: schema, dbPoolSize: 1 },
      Keyring.parse(testEncryptionKeys()),
    );
    db = await new DataSource(
      dataSourceOptions({
        url: testDatabaseUrl(),
        schema,
        entities: [],
        migrations: [],
        poolSize: 1,
        applicationName: 'actors-migration-test',
      }),
    ).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('names the acting key of earlier entries, and the system where there was none', async () => {
    const rows = await db.query<
      { id: string; actor_type: string; actor_id: string | null; actor_display: string }[]
    >(`SELECT id, actor_type, actor_id, actor_display FROM ${t('audit_log')} ORDER BY id`);
    expect(rows).toEqual([
      { id: 'aud_1', actor_type: 'system', actor_id: null, actor_display: 'system' },
      {
        id: 'aud_2',
        actor_type: 'key',
        actor_id: 'key_admin00000000000',
        actor_display: 'Admin key (pk_live_AbCd…wxyz)',
      },
      {
        id: 'aud_3',
        actor_type: 'key',
        actor_id: 'key_child00000000000',
        actor_display: 'Child (pk_live_AbCd…wxyz)',
      },
    ]);
  });

  it('gives every key the creator its key.created entry names', async () => {
    const rows = await db.query<{ id: string; created_by_type: string; created_by_id: string | null }[]>(
      `SELECT id, created_by_type, created_by_id FROM ${t('api_keys')} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 'key_admin00000000000', created_by_type: 'system', created_by_id: null },
      { id: 'key_child00000000000', created_by_type: 'key', created_by_id: 'key_admin00000000000' },
    ]);
  });
});

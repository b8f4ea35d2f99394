import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * Organizations, their MCPs, their API keys and the audit log.
 *
 * - `api_keys.key_hash` is `text` with a unique index: validation is one index lookup (a `char(64)`
 *   column compared with a text parameter falls back to a sequential scan).
 * - `version` columns of keys, organizations and MCPs all draw from one sequence on every change,
 *   so a key's policy version (the greater of its own and its organization's) is comparable with
 *   the version of any change event: caches drop answers older than the last eviction.
 * - Timestamps default to millisecond precision so pagination cursors round-trip exactly.
 * - The partial indexes serve the sweeper, which only ever looks at active keys.
 */
export class InitialSchema1764170000000 implements MigrationInterface {
  name = 'InitialSchema1764170000000';

  async up(q: QueryRunner): Promise<void> {
    const orgs = table(q, 'organizations');
    const mcps = table(q, 'mcps');
    const keys = table(q, 'api_keys');
    const audit = table(q, 'audit_log');
    const now = `date_trunc('milliseconds', now())`;
    const sequence = table(q, 'policy_version_seq');
    const nextVersion = `nextval('${sequence}'::regclass)`;

    await q.query(`CREATE SEQUENCE ${sequence} AS bigint`);

    await q.query(`
      CREATE TABLE ${orgs} (
        id text PRIMARY KEY,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        monthly_request_limit bigint NULL CHECK (monthly_request_limit > 0),
        ip_allowlist text[] NULL,
        version bigint NOT NULL DEFAULT ${nextVersion},
        created_at timestamptz NOT NULL DEFAULT ${now},
        updated_at timestamptz NOT NULL DEFAULT ${now}
      )`);

    await q.query(`
      CREATE TABLE ${mcps} (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES ${orgs} (id) ON DELETE CASCADE,
        name text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('live', 'test')),
        upstream_url text NOT NULL,
        upstream_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        version bigint NOT NULL DEFAULT ${nextVersion},
        created_at timestamptz NOT NULL DEFAULT ${now},
        updated_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE INDEX mcps_org_created_idx ON ${mcps} (org_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE ${keys} (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES ${orgs} (id) ON DELETE CASCADE,
        name text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('live', 'test')),
        key_hash text NOT NULL,
        prefix text NOT NULL,
        last4 text NOT NULL,
        permissions jsonb NOT NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        rate_limit jsonb NULL,
        usage_limit jsonb NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'expired')),
        expires_at timestamptz NOT NULL,
        grace_ends_at timestamptz NULL,
        rotated_to text NULL REFERENCES ${keys} (id),
        revoked_at timestamptz NULL,
        last_used_at timestamptz NULL,
        version bigint NOT NULL DEFAULT ${nextVersion},
        created_at timestamptz NOT NULL DEFAULT ${now},
        updated_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_key ON ${keys} (key_hash)`);
    await q.query(`CREATE INDEX api_keys_org_created_idx ON ${keys} (org_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX api_keys_active_expiry_idx ON ${keys} (expires_at) WHERE status = 'active'`);
    await q.query(
      `CREATE INDEX api_keys_active_grace_idx ON ${keys} (grace_ends_at) WHERE status = 'active' AND grace_ends_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE ${audit} (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES ${orgs} (id) ON DELETE CASCADE,
        actor_key_id text NULL,
        action text NOT NULL,
        target_type text NOT NULL CHECK (target_type IN ('api_key', 'mcp', 'organization')),
        target_id text NOT NULL,
        ip text NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE INDEX audit_log_org_created_idx ON ${audit} (org_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${table(q, 'audit_log')}`);
    await q.query(`DROP TABLE ${table(q, 'api_keys')}`);
    await q.query(`DROP TABLE ${table(q, 'mcps')}`);
    await q.query(`DROP TABLE ${table(q, 'organizations')}`);
    await q.query(`DROP SEQUENCE ${table(q, 'policy_version_seq')}`);
  }
}

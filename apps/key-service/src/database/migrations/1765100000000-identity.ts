import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * People: accounts, their memberships (role per organization), server-side dashboard sessions,
 * one-time tokens (set/reset password, the second sign-in step, invitations) and TOTP recovery
 * codes.
 *
 * - Emails are unique case-insensitively (`lower(email)`), kept as typed for display.
 * - Every secret a user is handed (session token, one-time token, recovery code) is stored only
 *   as its SHA-256 (`*_hash`, `text` with a unique index, like `api_keys.key_hash`); passwords as
 *   an Argon2id PHC string. The TOTP seed is sealed with the keyring (`enc:v1:…`).
 * - `totp_last_step`: the time step of the last accepted code, so a code is never accepted twice.
 * - `failed_sign_ins` / `locked_until` carry the per-account lockout.
 * - A session names the organization it acts in; switching organization opens a new session.
 */
export class Identity1765100000000 implements MigrationInterface {
  name = 'Identity1765100000000';

  async up(q: QueryRunner): Promise<void> {
    const orgs = table(q, 'organizations');
    const users = table(q, 'users');
    const memberships = table(q, 'org_memberships');
    const sessions = table(q, 'sessions');
    const tokens = table(q, 'one_time_tokens');
    const codes = table(q, 'recovery_codes');
    const now = `date_trunc('milliseconds', now())`;
    const nextVersion = `nextval('${table(q, 'policy_version_seq')}'::regclass)`;

    await q.query(`
      CREATE TABLE ${users} (
        id text PRIMARY KEY,
        email text NOT NULL,
        password_hash text NULL,
        totp_secret text NULL,
        totp_enabled_at timestamptz NULL,
        totp_last_step bigint NULL,
        failed_sign_ins integer NOT NULL DEFAULT 0,
        locked_until timestamptz NULL,
        version bigint NOT NULL DEFAULT ${nextVersion},
        created_at timestamptz NOT NULL DEFAULT ${now},
        updated_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON ${users} (lower(email))`);

    await q.query(`
      CREATE TABLE ${memberships} (
        org_id text NOT NULL REFERENCES ${orgs} (id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES ${users} (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT ${now},
        updated_at timestamptz NOT NULL DEFAULT ${now},
        PRIMARY KEY (org_id, user_id)
      )`);
    await q.query(`CREATE INDEX org_memberships_user_idx ON ${memberships} (user_id)`);

    await q.query(`
      CREATE TABLE ${sessions} (
        id text PRIMARY KEY,
        token_hash text NOT NULL,
        user_id text NOT NULL REFERENCES ${users} (id) ON DELETE CASCADE,
        org_id text NOT NULL REFERENCES ${orgs} (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz NULL,
        ip text NULL,
        user_agent text NULL,
        created_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE UNIQUE INDEX sessions_token_hash_key ON ${sessions} (token_hash)`);
    await q.query(
      `CREATE INDEX sessions_user_live_idx ON ${sessions} (user_id, org_id) WHERE revoked_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE ${tokens} (
        id text PRIMARY KEY,
        token_hash text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('set_password', 'sign_in_challenge', 'invitation')),
        user_id text NULL REFERENCES ${users} (id) ON DELETE CASCADE,
        org_id text NULL REFERENCES ${orgs} (id) ON DELETE CASCADE,
        email text NULL,
        role text NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        created_by_user_id text NULL REFERENCES ${users} (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE UNIQUE INDEX one_time_tokens_token_hash_key ON ${tokens} (token_hash)`);

    await q.query(`
      CREATE TABLE ${codes} (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES ${users} (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT ${now}
      )`);
    await q.query(`CREATE UNIQUE INDEX recovery_codes_code_hash_key ON ${codes} (user_id, code_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ['recovery_codes', 'one_time_tokens', 'sessions', 'org_memberships', 'users']) {
      await q.query(`DROP TABLE ${table(q, name)}`);
    }
  }
}

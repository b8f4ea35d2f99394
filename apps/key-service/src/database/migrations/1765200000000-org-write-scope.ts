import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/** The scopes every organization admin key held before `org:write` existed. */
const EARLIER_SCOPES = [
  'keys:read',
  'keys:write',
  'mcps:read',
  'mcps:write',
  'usage:read',
  'alerts:read',
  'alerts:write',
  'webhooks:read',
  'webhooks:write',
];

/**
 * `org:write` (the organization's own settings) joined the scopes. A key that held every scope
 * before — live, every MCP, no rate or usage limit: an organization admin key — keeps holding
 * every scope, so it stays the organization's admin key (the one that may grant one-year keys).
 * Its version moves on, so no gateway keeps serving the grant it had before.
 */
export class OrgWriteScope1765200000000 implements MigrationInterface {
  name = 'OrgWriteScope1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const keys = table(q, 'api_keys');
    const nextVersion = `nextval('${table(q, 'policy_version_seq')}'::regclass)`;
    await q.query(
      `UPDATE ${keys}
          SET scopes = array_append(scopes, 'org:write'), version = ${nextVersion}
        WHERE mode = 'live'
          AND permissions->>'mcps' = '*'
          AND rate_limit IS NULL
          AND usage_limit IS NULL
          AND scopes @> $1::text[]
          AND NOT ('org:write' = ANY (scopes))`,
      [EARLIER_SCOPES],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE ${table(q, 'api_keys')} SET scopes = array_remove(scopes, 'org:write')`);
  }
}

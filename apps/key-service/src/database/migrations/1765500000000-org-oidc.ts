import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * An organization's single sign-on provider (OpenID Connect): at most one per organization, gone
 * with it. `client_secret` is sealed with the keyring, bound to the organization.
 */
export class OrgOidc1765500000000 implements MigrationInterface {
  name = 'OrgOidc1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ${table(q, 'org_oidc_configs')} (
        org_id text PRIMARY KEY REFERENCES ${table(q, 'organizations')}(id) ON DELETE CASCADE,
        issuer text NOT NULL,
        client_id text NOT NULL,
        client_secret text NOT NULL,
        allowed_email_domain text NULL,
        default_role text NOT NULL CHECK (default_role IN ('admin', 'developer', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${table(q, 'org_oidc_configs')}`);
  }
}

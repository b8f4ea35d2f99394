import { Injectable } from '@nestjs/common';
import type { Role } from '@plexmcp/contracts';
import { Tables } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';

/** An organization's provider as stored: `client_secret` sealed. `id` is the organization's. */
export interface OidcConfigRow {
  id: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  allowed_email_domain: string | null;
  default_role: Exclude<Role, 'owner'>;
  updated_at: Date;
}

const COLUMNS = `org_id AS id, issuer, client_id, client_secret, allowed_email_domain, default_role, updated_at`;

/** The only code that touches `org_oidc_configs`. */
@Injectable()
export class OidcRepository {
  constructor(private readonly tables: Tables) {}

  private get table(): string {
    return this.tables.name('org_oidc_configs');
  }

  async find(orgId: string, manager: EntityManager = this.tables.manager): Promise<OidcConfigRow | null> {
    const rows = await this.tables.rows<OidcConfigRow>(
      manager,
      `SELECT ${COLUMNS} FROM ${this.table} WHERE org_id = $1`,
      [orgId],
    );
    return rows[0] ?? null;
  }

  async upsert(manager: EntityManager, row: Omit<OidcConfigRow, 'updated_at'>): Promise<OidcConfigRow> {
    const rows = await this.tables.rows<OidcConfigRow>(
      manager,
      `INSERT INTO ${this.table} (org_id, issuer, client_id, client_secret, allowed_email_domain, default_role)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id) DO UPDATE
          SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
              client_secret = EXCLUDED.client_secret,
              allowed_email_domain = EXCLUDED.allowed_email_domain,
              default_role = EXCLUDED.default_role, updated_at = now()
       RETURNING ${COLUMNS}`,
      [row.id, row.issuer, row.client_id, row.client_secret, row.allowed_email_domain, row.default_role],
    );
    return rows[0]!;
  }

  async remove(manager: EntityManager, orgId: string): Promise<boolean> {
    const rows = await this.tables.rows<{ id: string }>(
      manager,
      `DELETE FROM ${this.table} WHERE org_id = $1 RETURNING org_id AS id`,
      [orgId],
    );
    return rows.length > 0;
  }

  /** Every row, locked, for re-encryption (secrets are sealed when written: none is in clear). */
  lockAll(manager: EntityManager): Promise<OidcConfigRow[]> {
    return this.tables.rows<OidcConfigRow>(
      manager,
      `SELECT ${COLUMNS} FROM ${this.table} ORDER BY org_id FOR UPDATE`,
    );
  }

  async storeSecret(manager: EntityManager, orgId: string, sealed: string): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET client_secret = $2 WHERE org_id = $1`, [orgId, sealed]);
  }
}

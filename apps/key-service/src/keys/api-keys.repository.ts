import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Cursor, Tables, keysetPage } from '@plexmcp/service-kit';
import { nextVersionSql } from '../database/versions.js';
import { OrganizationEntity } from '../organizations/organization.entity.js';
import { ApiKeyEntity } from './api-key.entity.js';
import type { ValidationRow } from './key-lifecycle.js';

/** A key the sweeper just moved out of `active`, with what its eviction event needs. */
export interface SweptKey {
  id: string;
  orgId: string;
  keyHash: string;
  policyVersion: number;
}

const SWEEP_BATCH = 500;

/**
 * A key joined with its organization by primary key: everything its policy needs, selected by
 * `where` (`$n` parameters).
 */
function keyPolicySql(schema: string, where: string): string {
  return `SELECT k.id, k.org_id, k.mode, k.permissions, k.scopes, k.rate_limit, k.usage_limit, k.status,
                 k.expires_at, k.grace_ends_at, k.ip_allowlist AS key_ip_allowlist,
                 o.status AS org_status, o.ip_allowlist, o.monthly_request_limit
            FROM "${schema}"."api_keys" k
            JOIN "${schema}"."organizations" o ON o.id = k.org_id
           WHERE ${where}`;
}

/**
 * The hot path of `keys.validate`: one lookup on the unique `key_hash` index joined with the
 * organization by primary key. Exported so a test can EXPLAIN exactly this statement.
 */
export function validateKeySql(schema: string): string {
  return keyPolicySql(schema, 'k.key_hash = $1');
}

/** The acting key of a management call, by id within its organization (primary key). */
export function actingKeySql(schema: string): string {
  return keyPolicySql(schema, 'k.id = $1 AND k.org_id = $2');
}

/** A row of `keyPolicySql` as the pure lifecycle rules take it. */
export function toValidationRow(r: Record<string, unknown>): ValidationRow {
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    mode: r.mode as ValidationRow['mode'],
    permissions: r.permissions as ValidationRow['permissions'],
    scopes: r.scopes as ValidationRow['scopes'],
    rateLimit: r.rate_limit as ValidationRow['rateLimit'],
    usageLimit: r.usage_limit as ValidationRow['usageLimit'],
    status: r.status as ValidationRow['status'],
    expiresAt: r.expires_at as Date,
    graceEndsAt: (r.grace_ends_at as Date | null) ?? null,
    orgStatus: r.org_status as ValidationRow['orgStatus'],
    orgIpAllowlist: (r.ip_allowlist as string[] | null) ?? null,
    orgMonthlyLimit: r.monthly_request_limit === null ? null : Number(r.monthly_request_limit),
    keyIpAllowlist: (r.key_ip_allowlist as string[] | null | undefined) ?? null,
  };
}

@Injectable()
export class ApiKeysRepository {
  private readonly validateStatement: { name: string; text: string };

  constructor(private readonly tables: Tables) {
    // A named statement is parsed and planned once per connection.
    this.validateStatement = {
      name: `plexmcp_validate_key_${this.tables.schema}`,
      text: validateKeySql(this.tables.schema),
    };
  }

  async findForValidation(keyHash: string): Promise<ValidationRow | null> {
    // Raw SQL on purpose: the measured hot path of every gateway cache miss (validate-query-plan).
    const [r] = await this.tables.prepared<Record<string, unknown>>(this.validateStatement, [keyHash]);
    return r === undefined ? null : toValidationRow(r);
  }

  /** Stores a new key; its version is drawn from the shared sequence and returned. */
  async insert(manager: EntityManager, key: Omit<ApiKeyEntity, 'version'>): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(ApiKeyEntity)
      .values({ ...key, version: () => nextVersionSql(this.tables.schema) })
      .returning(['version'])
      .execute();
    return Number((result.raw as { version: string }[])[0]!.version);
  }

  async findInOrg(
    orgId: string,
    id: string,
    manager: EntityManager = this.tables.manager,
  ): Promise<ApiKeyEntity | null> {
    return manager.findOne(ApiKeyEntity, { where: { id, orgId } });
  }

  /** Reads and row-locks a key for a change inside `manager`'s transaction. */
  async lockInOrg(manager: EntityManager, orgId: string, id: string): Promise<ApiKeyEntity | null> {
    return manager.findOne(ApiKeyEntity, { where: { id, orgId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Applies a change and gives the key a new version; returns the stored row. */
  async update(
    manager: EntityManager,
    key: ApiKeyEntity,
    patch: Partial<Omit<ApiKeyEntity, 'id' | 'orgId' | 'version' | 'keyHash'>>,
    now: Date,
  ): Promise<ApiKeyEntity> {
    const result = await manager
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ ...patch, updatedAt: now, version: () => nextVersionSql(this.tables.schema) })
      .where('id = :id', { id: key.id })
      .returning(['version'])
      .execute();
    const version = Number((result.raw as { version: string }[])[0]!.version);
    return { ...key, ...patch, version, updatedAt: now };
  }

  /** The organization's version, read inside the change's transaction (see `policyVersion`). */
  async orgVersion(manager: EntityManager, orgId: string): Promise<number> {
    const org = await manager.findOne(OrganizationEntity, {
      select: { version: true },
      where: { id: orgId },
    });
    return org?.version ?? 0;
  }

  /**
   * Moves `last_used_at` forward (never back) for a batch of keys in one statement. Not a policy
   * change: no version bump, no event.
   */
  async recordLastUsed(entries: readonly { keyId: string; at: Date }[]): Promise<void> {
    if (entries.length === 0) return;
    // Raw SQL: a batch update of many keys from arrays in one statement.
    await this.tables.manager.query(
      `UPDATE ${this.tables.name('api_keys')} k
          SET last_used_at = u.at
         FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [entries.map((e) => e.keyId), entries.map((e) => e.at.toISOString())],
    );
  }

  async listByOrg(
    orgId: string,
    after: Cursor | null,
    limit: number,
    filter: {
      mode?: 'live' | 'test' | undefined;
      tag?: string | undefined;
      metadata?: { key: string; value: string } | undefined;
      createdBy?: string | undefined;
    } = {},
  ): Promise<ApiKeyEntity[]> {
    const qb = this.tables
      .repository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.org_id = :orgId', { orgId });
    if (filter.mode !== undefined) qb.andWhere('k.mode = :mode', { mode: filter.mode });
    // Containment, so the GIN indexes serve both filters.
    if (filter.tag !== undefined) qb.andWhere('k.tags @> ARRAY[:tag]::text[]', { tag: filter.tag });
    if (filter.metadata !== undefined)
      qb.andWhere('k.metadata @> :pair::jsonb', {
        pair: JSON.stringify({ [filter.metadata.key]: filter.metadata.value }),
      });
    if (filter.createdBy !== undefined)
      qb.andWhere('k.created_by_id = :createdBy', { createdBy: filter.createdBy });
    return keysetPage(qb, after, limit + 1).getMany();
  }

  /** Active keys whose expiry lies in (after, before], keyset-paged on (expires_at, id). */
  async expiring(
    after: Date,
    before: Date,
    cursor: { expiresAt: Date; id: string } | null,
    limit: number,
  ): Promise<{ id: string; orgId: string; expiresAt: Date }[]> {
    const rows = await this.tables.manager.query<{ id: string; org_id: string; expires_at: Date }[]>(
      `SELECT id, org_id, expires_at FROM "${this.tables.schema}".api_keys
        WHERE status = 'active' AND expires_at > $1 AND expires_at <= $2
          AND ($3::timestamptz IS NULL OR (expires_at, id) > ($3::timestamptz, $4::text))
        ORDER BY expires_at, id LIMIT $5`,
      [
        after.toISOString(),
        before.toISOString(),
        cursor?.expiresAt.toISOString() ?? null,
        cursor?.id ?? '',
        limit,
      ],
    );
    return rows.map((r) => ({ id: r.id, orgId: r.org_id, expiresAt: r.expires_at }));
  }

  /**
   * Revokes keys whose rotation grace period ended, recording each in the audit log, in one
   * statement. Rows locked by another instance's sweep are skipped, and `FOR UPDATE` re-checks the
   * condition on the newest row version, so two instances never both return (and publish) a key.
   */
  async sweepEndedGracePeriods(): Promise<SweptKey[]> {
    return this.sweep(
      `status = 'active' AND grace_ends_at IS NOT NULL AND grace_ends_at <= now() AND grace_ends_at < expires_at`,
      `status = 'revoked', revoked_at = grace_ends_at`,
      'key.revoked',
      { reason: 'rotation_grace_period_ended' },
    );
  }

  /** Marks keys past their expiry as expired (same guarantees as the grace sweep). */
  async sweepExpired(): Promise<SweptKey[]> {
    return this.sweep(`status = 'active' AND expires_at <= now()`, `status = 'expired'`, 'key.expired', {
      reason: 'expired',
    });
  }

  private async sweep(
    condition: string,
    assignments: string,
    action: string,
    metadata: Record<string, unknown>,
  ): Promise<SweptKey[]> {
    const keys = this.tables.name('api_keys');
    const swept: SweptKey[] = [];
    for (;;) {
      // Raw SQL: claim, update, audit and answer a batch in one statement (SKIP LOCKED).
      const rows = await this.tables.manager.query<
        { id: string; org_id: string; key_hash: string; policy_version: string }[]
      >(
        `WITH due AS (
           SELECT id FROM ${keys} WHERE ${condition} ORDER BY id LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED
         ), changed AS (
           UPDATE ${keys} k
              SET ${assignments}, version = ${nextVersionSql(this.tables.schema)}, updated_at = date_trunc('milliseconds', now())
             FROM due WHERE k.id = due.id
           RETURNING k.id, k.org_id, k.key_hash, k.version
         ), audited AS (
           INSERT INTO ${this.tables.name('audit_log')} (id, org_id, actor_key_id, action, target_type, target_id, ip, metadata)
           SELECT 'aud_' || replace(gen_random_uuid()::text, '-', ''), c.org_id, NULL, $1, 'api_key', c.id, NULL, $2::jsonb
             FROM changed c
         )
         SELECT c.id, c.org_id, c.key_hash, greatest(c.version, o.version) AS policy_version
           FROM changed c JOIN ${this.tables.name('organizations')} o ON o.id = c.org_id`,
        [action, JSON.stringify(metadata)],
      );
      for (const r of rows) {
        swept.push({
          id: r.id,
          orgId: r.org_id,
          keyHash: r.key_hash,
          policyVersion: Number(r.policy_version),
        });
      }
      if (rows.length < SWEEP_BATCH) return swept;
    }
  }
}

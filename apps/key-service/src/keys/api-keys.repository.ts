import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type pg from 'pg';
import type { Cursor } from '../common/pagination.js';
import { pgPool } from '../database/data-source.js';
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

@Injectable()
export class ApiKeysRepository {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly validateStatement: { name: string; text: string };

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.pool = pgPool(dataSource);
    this.schema = (dataSource.options as { schema?: string }).schema ?? 'public';
    // One indexed lookup (unique key_hash) joined with the organization's primary key. A named
    // statement is parsed and planned once per connection.
    this.validateStatement = {
      name: `plexmcp_validate_key_${this.schema}`,
      text: `SELECT k.id, k.org_id, k.mode, k.permissions, k.scopes, k.rate_limit, k.usage_limit, k.status,
                    k.expires_at, k.grace_ends_at, k.version,
                    o.status AS org_status, o.ip_allowlist, o.monthly_request_limit, o.version AS org_version
               FROM ${this.table('api_keys')} k
               JOIN ${this.table('organizations')} o ON o.id = k.org_id
              WHERE k.key_hash = $1`,
    };
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  /** The SQL of the hot path, exposed so a test can EXPLAIN it. */
  get validateSql(): string {
    return this.validateStatement.text;
  }

  async findForValidation(keyHash: string): Promise<ValidationRow | null> {
    const result = await this.pool.query({ ...this.validateStatement, values: [keyHash] });
    const r = result.rows[0] as Record<string, unknown> | undefined;
    if (!r) return null;
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
      version: Number(r.version),
      orgStatus: r.org_status as ValidationRow['orgStatus'],
      orgIpAllowlist: (r.ip_allowlist as string[] | null) ?? null,
      orgMonthlyLimit: r.monthly_request_limit === null ? null : Number(r.monthly_request_limit),
      orgVersion: Number(r.org_version),
    };
  }

  async insert(manager: EntityManager, key: ApiKeyEntity): Promise<void> {
    await manager.insert(ApiKeyEntity, key);
  }

  async findInOrg(orgId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<ApiKeyEntity | null> {
    return manager.findOne(ApiKeyEntity, { where: { id, orgId } });
  }

  /** Reads and row-locks a key for a change inside `manager`'s transaction. */
  async lockInOrg(manager: EntityManager, orgId: string, id: string): Promise<ApiKeyEntity | null> {
    return manager.findOne(ApiKeyEntity, { where: { id, orgId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Applies a change and bumps the key's version; returns the stored row. */
  async update(
    manager: EntityManager,
    key: ApiKeyEntity,
    patch: Partial<Omit<ApiKeyEntity, 'id' | 'orgId' | 'version' | 'keyHash'>>,
    now: Date,
  ): Promise<ApiKeyEntity> {
    const next: ApiKeyEntity = { ...key, ...patch, version: key.version + 1, updatedAt: now };
    await manager.update(
      ApiKeyEntity,
      { id: key.id },
      { ...patch, version: next.version, updatedAt: now },
    );
    return next;
  }

  /** The organization's part of a policy version, read inside the change's transaction. */
  async orgVersion(manager: EntityManager, orgId: string): Promise<number> {
    const rows = (await manager.query(`SELECT version FROM ${this.table('organizations')} WHERE id = $1`, [orgId])) as {
      version: string;
    }[];
    return Number(rows[0]?.version ?? 0);
  }

  async listByOrg(orgId: string, after: Cursor | null, limit: number): Promise<ApiKeyEntity[]> {
    const qb = this.dataSource.getRepository(ApiKeyEntity).createQueryBuilder('k').where('k.org_id = :orgId', { orgId });
    if (after) qb.andWhere('(k.created_at, k.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    return qb.orderBy('k.created_at', 'DESC').addOrderBy('k.id', 'DESC').limit(limit + 1).getMany();
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
    const keys = this.table('api_keys');
    const swept: SweptKey[] = [];
    for (;;) {
      const rows = (await this.dataSource.query(
        `WITH due AS (
           SELECT id FROM ${keys} WHERE ${condition} ORDER BY id LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED
         ), changed AS (
           UPDATE ${keys} k
              SET ${assignments}, version = k.version + 1, updated_at = date_trunc('milliseconds', now())
             FROM due WHERE k.id = due.id
           RETURNING k.id, k.org_id, k.key_hash, k.version
         ), audited AS (
           INSERT INTO ${this.table('audit_log')} (id, org_id, actor_key_id, action, target_type, target_id, ip, metadata)
           SELECT 'aud_' || replace(gen_random_uuid()::text, '-', ''), c.org_id, NULL, $1, 'api_key', c.id, NULL, $2::jsonb
             FROM changed c
         )
         SELECT c.id, c.org_id, c.key_hash, c.version + o.version AS policy_version
           FROM changed c JOIN ${this.table('organizations')} o ON o.id = c.org_id`,
        [action, JSON.stringify(metadata)],
      )) as { id: string; org_id: string; key_hash: string; policy_version: string }[];
      for (const r of rows) {
        swept.push({ id: r.id, orgId: r.org_id, keyHash: r.key_hash, policyVersion: Number(r.policy_version) });
      }
      if (rows.length < SWEEP_BATCH) return swept;
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Role } from '@plexmcp/contracts';
import { Tables } from '@plexmcp/service-kit';
import { type EntityManager, IsNull } from 'typeorm';
import { nextVersionSql } from '../database/versions.js';
import { MembershipEntity } from './membership.entity.js';
import { OneTimeTokenEntity } from './one-time-token.entity.js';
import { RecoveryCodeEntity } from './recovery-code.entity.js';
import { SessionEntity } from './session.entity.js';
import { UserEntity } from './user.entity.js';

/** A live-or-not session with what its policy needs: the member's role and the organization. */
export interface SessionRow {
  id: string;
  userId: string;
  orgId: string;
  expiresAt: Date;
  revokedAt: Date | null;
  /** Null when the user is no longer a member of the session's organization. */
  role: Role | null;
  orgStatus: 'active' | 'suspended';
  orgIpAllowlist: string[] | null;
  orgMonthlyLimit: number | null;
}

/** A user's sealed TOTP seed, as `secrets reencrypt` rewrites it. */
export interface TotpSeedRow {
  id: string;
  totp_secret: string;
}

export interface MembershipRow {
  orgId: string;
  orgName: string;
  role: Role;
}

/** The identity tables; the only code of the identity module that touches TypeORM. */
@Injectable()
export class IdentityRepository {
  private readonly sessionSql: (where: string) => string;

  constructor(private readonly tables: Tables) {
    const t = (name: string) => tables.name(name);
    this.sessionSql = (where) => `
      SELECT s.id, s.user_id, s.org_id, s.expires_at, s.revoked_at, m.role,
             o.status AS org_status, o.ip_allowlist AS org_ip_allowlist,
             o.monthly_request_limit AS org_monthly_limit
        FROM ${t('sessions')} s
        JOIN ${t('organizations')} o ON o.id = s.org_id
        LEFT JOIN ${t('org_memberships')} m ON m.org_id = s.org_id AND m.user_id = s.user_id
       WHERE ${where}`;
  }

  get manager(): EntityManager {
    return this.tables.manager;
  }

  // ---- users ----------------------------------------------------------------------------

  findUserByEmail(email: string, manager: EntityManager = this.manager): Promise<UserEntity | null> {
    return manager
      .createQueryBuilder(UserEntity, 'u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  findUser(id: string, manager: EntityManager = this.manager): Promise<UserEntity | null> {
    return manager.findOne(UserEntity, { where: { id } });
  }

  lockUser(manager: EntityManager, id: string): Promise<UserEntity | null> {
    return manager.findOne(UserEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Every user with a TOTP seed (enrolled, confirmed or not), locked for update. */
  lockTotpSeeds(manager: EntityManager): Promise<TotpSeedRow[]> {
    return this.tables.rows<TotpSeedRow>(
      manager,
      `SELECT id, totp_secret FROM ${this.tables.name('users')}
        WHERE totp_secret IS NOT NULL ORDER BY id FOR UPDATE`,
    );
  }

  /** The same seed sealed anew: not a change of the account, so neither version nor updated_at moves. */
  async storeTotpSeed(manager: EntityManager, id: string, sealed: string): Promise<void> {
    await manager.query(`UPDATE ${this.tables.name('users')} SET totp_secret = $2 WHERE id = $1`, [
      id,
      sealed,
    ]);
  }

  async insertUser(manager: EntityManager, user: Pick<UserEntity, 'id' | 'email'>, now: Date): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({
        ...user,
        passwordHash: null,
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
        failedSignIns: 0,
        lockedUntil: null,
        createdAt: now,
        updatedAt: now,
        version: () => nextVersionSql(this.tables.schema),
      })
      .execute();
  }

  async updateUser(
    manager: EntityManager,
    id: string,
    patch: Partial<
      Pick<
        UserEntity,
        'passwordHash' | 'totpSecret' | 'totpEnabledAt' | 'totpLastStep' | 'failedSignIns' | 'lockedUntil'
      >
    >,
    now: Date,
  ): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(UserEntity)
      .set({ ...patch, updatedAt: now, version: () => nextVersionSql(this.tables.schema) })
      .where('id = :id', { id })
      .execute();
  }

  // ---- memberships ----------------------------------------------------------------------

  async orgExists(manager: EntityManager, orgId: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM ${this.tables.name('organizations')} WHERE id = $1`,
      [orgId],
    );
    return rows.length > 0;
  }

  async memberships(userId: string, manager: EntityManager = this.manager): Promise<MembershipRow[]> {
    const rows = await manager.query<{ org_id: string; name: string; role: Role }[]>(
      `SELECT m.org_id, o.name, m.role FROM ${this.tables.name('org_memberships')} m
         JOIN ${this.tables.name('organizations')} o ON o.id = m.org_id
        WHERE m.user_id = $1 ORDER BY m.created_at, m.org_id`,
      [userId],
    );
    return rows.map((r) => ({ orgId: r.org_id, orgName: r.name, role: r.role }));
  }

  /** Adds the membership, or changes the role of an existing one. */
  async upsertMembership(
    manager: EntityManager,
    orgId: string,
    userId: string,
    role: Role,
    now: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.tables.name('org_memberships')} (org_id, user_id, role, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, updated_at = EXCLUDED.updated_at`,
      [orgId, userId, role, now],
    );
  }

  /** Removes the membership; true when there was one. */
  async deleteMembership(manager: EntityManager, orgId: string, userId: string): Promise<boolean> {
    const result = await manager.delete(MembershipEntity, { orgId, userId });
    return (result.affected ?? 0) > 0;
  }

  // ---- sessions -------------------------------------------------------------------------

  async insertSession(manager: EntityManager, session: Omit<SessionEntity, 'revokedAt'>): Promise<void> {
    await manager.insert(SessionEntity, { ...session, revokedAt: null });
  }

  async sessionByHash(tokenHash: string): Promise<SessionRow | null> {
    const rows = await this.manager.query<Record<string, unknown>[]>(this.sessionSql('s.token_hash = $1'), [
      tokenHash,
    ]);
    return rows[0] === undefined ? null : toSessionRow(rows[0]);
  }

  async sessionById(id: string, orgId: string): Promise<SessionRow | null> {
    const rows = await this.manager.query<Record<string, unknown>[]>(
      this.sessionSql('s.id = $1 AND s.org_id = $2'),
      [id, orgId],
    );
    return rows[0] === undefined ? null : toSessionRow(rows[0]);
  }

  /**
   * Revokes live sessions matching `where` (a user's, in one organization or all) and answers
   * their token hashes, for the gateways to evict.
   */
  async revokeSessions(
    manager: EntityManager,
    where: { userId: string; orgId?: string; id?: string },
    now: Date,
  ): Promise<string[]> {
    const params: unknown[] = [now, where.userId];
    let sql = `UPDATE ${this.tables.name('sessions')} SET revoked_at = $1
                WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1`;
    if (where.orgId !== undefined) {
      params.push(where.orgId);
      sql += ` AND org_id = $${params.length}`;
    }
    if (where.id !== undefined) {
      params.push(where.id);
      sql += ` AND id = $${params.length}`;
    }
    const [rows] = await manager.query<[{ token_hash: string }[], number]>(
      `${sql} RETURNING token_hash`,
      params,
    );
    return rows.map((r) => r.token_hash);
  }

  // ---- one-time tokens ------------------------------------------------------------------

  async insertToken(manager: EntityManager, token: Omit<OneTimeTokenEntity, 'usedAt'>): Promise<void> {
    await manager.insert(OneTimeTokenEntity, { ...token, usedAt: null });
  }

  /** The token with this hash, locked for the transaction that will use it up. */
  lockTokenByHash(manager: EntityManager, tokenHash: string): Promise<OneTimeTokenEntity | null> {
    return manager.findOne(OneTimeTokenEntity, { where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
  }

  async useToken(manager: EntityManager, id: string, now: Date): Promise<void> {
    await manager.update(OneTimeTokenEntity, { id }, { usedAt: now });
  }

  /** Earlier unused tokens of a kind for a user stop working when a new one is issued or one is used. */
  async retireTokens(
    manager: EntityManager,
    userId: string,
    kind: OneTimeTokenEntity['kind'],
    now: Date,
  ): Promise<void> {
    await manager.update(OneTimeTokenEntity, { userId, kind, usedAt: IsNull() }, { usedAt: now });
  }

  // ---- recovery codes -------------------------------------------------------------------

  async replaceRecoveryCodes(
    manager: EntityManager,
    userId: string,
    codes: RecoveryCodeEntity[],
  ): Promise<void> {
    await manager.delete(RecoveryCodeEntity, { userId });
    await manager.insert(RecoveryCodeEntity, codes);
  }

  /** Uses up the unused recovery code with this hash; true when there was one. */
  async useRecoveryCode(
    manager: EntityManager,
    userId: string,
    codeHash: string,
    now: Date,
  ): Promise<boolean> {
    const result = await manager.update(
      RecoveryCodeEntity,
      { userId, codeHash, usedAt: IsNull() },
      { usedAt: now },
    );
    return (result.affected ?? 0) > 0;
  }
}

function toSessionRow(r: Record<string, unknown>): SessionRow {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    orgId: r.org_id as string,
    expiresAt: new Date(r.expires_at as string),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at as string),
    role: (r.role as Role | null) ?? null,
    orgStatus: r.org_status as 'active' | 'suspended',
    orgIpAllowlist: (r.org_ip_allowlist as string[] | null) ?? null,
    orgMonthlyLimit: r.org_monthly_limit === null ? null : Number(r.org_monthly_limit),
  };
}

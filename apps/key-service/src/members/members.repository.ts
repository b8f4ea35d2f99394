import { Injectable } from '@nestjs/common';
import type { Role } from '@plexmcp/contracts';
import { type Cursor, Tables } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import { OneTimeTokenEntity } from '../identity/one-time-token.entity.js';

/** A member as listed: the membership joined with the person's account. */
export interface MemberRow {
  id: string;
  email: string;
  role: Role;
  totp_enabled: boolean;
  created_at: Date;
}

/** An invitation as listed: the one-time token with its inviter's address. */
export interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
  created_by_user_id: string | null;
  invited_by_email: string | null;
  org_name: string;
}

/** Memberships and invitations of one organization, as the member management reads them. */
@Injectable()
export class MembersRepository {
  constructor(private readonly tables: Tables) {}

  /** Newest first, `limit + 1` rows (keyset on joined_at, user id). */
  async list(orgId: string, after: Cursor | null, limit: number): Promise<MemberRow[]> {
    const params: unknown[] = [orgId, limit + 1];
    let position = '';
    if (after) {
      params.push(after.createdAt, after.id);
      position = `AND (m.created_at, m.user_id) < ($3, $4)`;
    }
    return this.tables.manager.query<MemberRow[]>(
      `SELECT m.user_id AS id, u.email, m.role, u.totp_enabled_at IS NOT NULL AS totp_enabled, m.created_at
         FROM ${this.tables.name('org_memberships')} m
         JOIN ${this.tables.name('users')} u ON u.id = m.user_id
        WHERE m.org_id = $1 ${position}
        ORDER BY m.created_at DESC, m.user_id DESC
        LIMIT $2`,
      params,
    );
  }

  /** One member, row-locked with every owner of the organization (so "the last owner" is decided once). */
  async lockForChange(
    manager: EntityManager,
    orgId: string,
    userId: string,
  ): Promise<{ member: MemberRow | null; owners: number }> {
    const rows = await manager.query<(MemberRow & { user_id: string })[]>(
      `SELECT m.user_id AS id, u.email, m.role, u.totp_enabled_at IS NOT NULL AS totp_enabled, m.created_at
         FROM ${this.tables.name('org_memberships')} m
         JOIN ${this.tables.name('users')} u ON u.id = m.user_id
        WHERE m.org_id = $1 AND (m.user_id = $2 OR m.role = 'owner')
        ORDER BY m.user_id
        FOR UPDATE OF m`,
      [orgId, userId],
    );
    return {
      member: rows.find((r) => r.id === userId) ?? null,
      owners: rows.filter((r) => r.role === 'owner').length,
    };
  }

  async setRole(manager: EntityManager, orgId: string, userId: string, role: Role, now: Date): Promise<void> {
    await manager.query(
      `UPDATE ${this.tables.name('org_memberships')} SET role = $3, updated_at = $4 WHERE org_id = $1 AND user_id = $2`,
      [orgId, userId, role, now],
    );
  }

  /** Token hashes of the member's live sessions in the organization: what gateways must evict. */
  async liveSessionHashes(
    manager: EntityManager,
    orgId: string,
    userId: string,
    now: Date,
  ): Promise<string[]> {
    const rows = await manager.query<{ token_hash: string }[]>(
      `SELECT token_hash FROM ${this.tables.name('sessions')}
        WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3`,
      [orgId, userId, now],
    );
    return rows.map((r) => r.token_hash);
  }

  // ---- invitations ----------------------------------------------------------------------

  private invitationSql(where: string): string {
    return `SELECT t.id, t.org_id, t.email, t.role, t.expires_at, t.used_at, t.created_at, t.created_by_user_id,
                   u.email AS invited_by_email, o.name AS org_name
              FROM ${this.tables.name('one_time_tokens')} t
              JOIN ${this.tables.name('organizations')} o ON o.id = t.org_id
              LEFT JOIN ${this.tables.name('users')} u ON u.id = t.created_by_user_id
             WHERE t.kind = 'invitation' AND ${where}`;
  }

  async listInvitations(orgId: string, after: Cursor | null, limit: number): Promise<InvitationRow[]> {
    const params: unknown[] = [orgId, limit + 1];
    let position = '';
    if (after) {
      params.push(after.createdAt, after.id);
      position = `AND (t.created_at, t.id) < ($3, $4)`;
    }
    return this.tables.manager.query<InvitationRow[]>(
      `${this.invitationSql(`t.org_id = $1 ${position}`)} ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
      params,
    );
  }

  async invitation(
    id: string,
    orgId: string,
    manager: EntityManager = this.tables.manager,
  ): Promise<InvitationRow | null> {
    const [row] = await manager.query<InvitationRow[]>(this.invitationSql('t.id = $1 AND t.org_id = $2'), [
      id,
      orgId,
    ]);
    return row ?? null;
  }

  /** The invitation a token opens, with its organization's name; locked when `manager` is a transaction's. */
  async invitationByHash(
    tokenHash: string,
    manager: EntityManager = this.tables.manager,
    lock = false,
  ): Promise<InvitationRow | null> {
    const [row] = await manager.query<InvitationRow[]>(
      `${this.invitationSql('t.token_hash = $1')} ${lock ? 'FOR UPDATE OF t' : ''}`,
      [tokenHash],
    );
    return row ?? null;
  }

  async insertInvitation(manager: EntityManager, token: Omit<OneTimeTokenEntity, 'usedAt'>): Promise<void> {
    await manager.insert(OneTimeTokenEntity, { ...token, usedAt: null });
  }

  /** Earlier unused invitations of the same address to the same organization are replaced. */
  async deletePendingInvitations(manager: EntityManager, orgId: string, email: string): Promise<void> {
    await manager.query(
      `DELETE FROM ${this.tables.name('one_time_tokens')}
        WHERE kind = 'invitation' AND org_id = $1 AND lower(email) = lower($2) AND used_at IS NULL`,
      [orgId, email],
    );
  }

  /** A revoked invitation is gone: its link no longer opens anything. */
  async deleteInvitation(manager: EntityManager, id: string, orgId: string): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `DELETE FROM ${this.tables.name('one_time_tokens')} WHERE id = $1 AND org_id = $2 AND kind = 'invitation'`,
      [id, orgId],
    );
    return affected > 0;
  }

  async useInvitation(manager: EntityManager, id: string, now: Date): Promise<void> {
    await manager.query(`UPDATE ${this.tables.name('one_time_tokens')} SET used_at = $2 WHERE id = $1`, [
      id,
      now,
    ]);
  }
}

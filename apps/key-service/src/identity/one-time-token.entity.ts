import type { Role } from '@plexmcp/contracts';
import { Column, Entity } from 'typeorm';
import { RecordedRow } from '../database/base.entity.js';

export type OneTimeTokenKind = 'set_password' | 'sign_in_challenge' | 'invitation';

/**
 * A single-use secret handed to a person (a set-password or reset link, the second step of a
 * sign-in with TOTP, an invitation), stored as its SHA-256 only, with an expiry.
 */
@Entity({ name: 'one_time_tokens' })
export class OneTimeTokenEntity extends RecordedRow {
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ type: 'text' })
  kind!: OneTimeTokenKind;

  @Column({ name: 'user_id', type: 'text', nullable: true })
  userId!: string | null;

  /** The organization a sign-in continues into, or an invitation is for. */
  @Column({ name: 'org_id', type: 'text', nullable: true })
  orgId!: string | null;

  /** An invitation's address and role. */
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text', nullable: true })
  role!: Role | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_by_user_id', type: 'text', nullable: true })
  createdByUserId!: string | null;
}

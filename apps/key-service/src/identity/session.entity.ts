import { Column, Entity } from 'typeorm';
import { RecordedRow } from '../database/base.entity.js';

/**
 * A dashboard session: the SHA-256 of the cookie's token (never the token), whose it is and in
 * which organization it acts. Revoked on sign-out, sign-out everywhere and membership removal.
 */
@Entity({ name: 'sessions' })
export class SessionEntity extends RecordedRow {
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;
}

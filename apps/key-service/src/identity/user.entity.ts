import { Column, Entity } from 'typeorm';
import { VersionedRow } from '../database/base.entity.js';
import { bigintToNumber } from '../database/column-transformers.js';

/** A person who signs in to the dashboard. Secrets are stored hashed (password) or sealed (TOTP seed). */
@Entity({ name: 'users' })
export class UserEntity extends VersionedRow {
  @Column({ type: 'text' })
  email!: string;

  /** Argon2id PHC string; null until the user sets a password through a one-time link. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  /** The TOTP seed sealed with the keyring; set at enrolment, in force once `totpEnabledAt` is set. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecret!: string | null;

  @Column({ name: 'totp_enabled_at', type: 'timestamptz', nullable: true })
  totpEnabledAt!: Date | null;

  /** Time step of the last accepted TOTP code: an older or equal one is a replay. */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true, transformer: bigintToNumber })
  totpLastStep!: number | null;

  @Column({ name: 'failed_sign_ins', type: 'integer' })
  failedSignIns!: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;
}

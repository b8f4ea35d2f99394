import { Column, Entity } from 'typeorm';
import { RecordedRow } from '../database/base.entity.js';

/** One TOTP recovery code of a user, stored as its SHA-256; each works once. */
@Entity({ name: 'recovery_codes' })
export class RecoveryCodeEntity extends RecordedRow {
  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ name: 'code_hash', type: 'text' })
  codeHash!: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;
}

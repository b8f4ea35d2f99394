import { Column, Entity } from 'typeorm';
import { bigintToNumber } from '../database/column-transformers.js';
import { VersionedRow } from '../database/base.entity.js';

export type OrganizationStatus = 'active' | 'suspended';

@Entity({ name: 'organizations' })
export class OrganizationEntity extends VersionedRow {
  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: OrganizationStatus;

  @Column({ name: 'monthly_request_limit', type: 'bigint', nullable: true, transformer: bigintToNumber })
  monthlyRequestLimit!: number | null;

  @Column({ name: 'ip_allowlist', type: 'text', array: true, nullable: true })
  ipAllowlist!: string[] | null;

  /** Revoke test keys a secret scanner reports leaked (live keys always are). */
  @Column({ name: 'revoke_leaked_test_keys', type: 'boolean', default: false })
  revokeLeakedTestKeys!: boolean;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/column-transformers.js';

export type OrganizationStatus = 'active' | 'suspended';

@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: OrganizationStatus;

  @Column({ name: 'monthly_request_limit', type: 'bigint', nullable: true, transformer: bigintToNumber })
  monthlyRequestLimit!: number | null;

  @Column({ name: 'ip_allowlist', type: 'text', array: true, nullable: true })
  ipAllowlist!: string[] | null;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import type { Role } from '@plexmcp/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user's role in one organization. A user may belong to several. */
@Entity({ name: 'org_memberships' })
export class MembershipEntity {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text' })
  role!: Role;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

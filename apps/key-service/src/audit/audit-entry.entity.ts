import { Column, Entity } from 'typeorm';
import { RecordedRow } from '../database/base.entity.js';

export type AuditTargetType = 'api_key' | 'mcp' | 'organization';

/** Who did what to which key, MCP or organization, when and from where. Append-only. */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity extends RecordedRow {
  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;

  @Column({ name: 'actor_key_id', type: 'text', nullable: true })
  actorKeyId!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType!: AuditTargetType;

  @Column({ name: 'target_id', type: 'text' })
  targetId!: string;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ type: 'jsonb' })
  metadata!: Record<string, unknown>;
}

import { Column, Entity } from 'typeorm';
import { RecordedRow } from '../database/base.entity.js';

import type { ActorRef, AUDIT_TARGET_TYPES } from '@plexmcp/contracts';

export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** Who did what to which key, MCP, organization or member, when and from where. Append-only. */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity extends RecordedRow {
  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;

  @Column({ name: 'actor_key_id', type: 'text', nullable: true })
  actorKeyId!: string | null;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: ActorRef['type'];

  /** The person or key that acted; null for the system. */
  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  /** What the actor was called when it acted (an email, a key's name and prefix). */
  @Column({ name: 'actor_display', type: 'text' })
  actorDisplay!: string;

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

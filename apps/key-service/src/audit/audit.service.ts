import { Injectable } from '@nestjs/common';
import {
  type ActorRef,
  type AuditEntry,
  IdPrefix,
  type ListAuditRequest,
  type Page,
  newId,
} from '@plexmcp/contracts';
import { decodeCursor, toPage } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import { ActorAuthority } from '../authorization/actor-authority.service.js';
import { type Acting, ActorIdentity } from './actor-identity.js';
import type { AuditEntryEntity, AuditTargetType } from './audit-entry.entity.js';
import { AuditRepository } from './audit.repository.js';

export interface AuditRecord {
  orgId: string;
  /** Null for the system (the sweeper) or an internal call without a key (the CLI). */
  actor: Acting | null;
  /** Who the actor is, when the caller already resolved it (see `ActorIdentity`). */
  who?: ActorRef;
  action: string;
  targetType: AuditTargetType;
  targetId: string;
  metadata?: Record<string, unknown>;
}

/** Records who did what, in the same transaction as the change itself. */
@Injectable()
export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly authority: ActorAuthority,
    private readonly identity: ActorIdentity,
  ) {}

  /** Who `actor` is, named as an audit entry and a key's creator name it. */
  identify(manager: EntityManager, actor: Acting | null): Promise<ActorRef> {
    return this.identity.of(manager, actor);
  }

  async record(manager: EntityManager, record: AuditRecord, at: Date = new Date()): Promise<void> {
    const who = record.who ?? (await this.identity.of(manager, record.actor));
    await this.repository.insert(manager, {
      id: newId(IdPrefix.Audit),
      orgId: record.orgId,
      actorKeyId: record.actor?.key_id ?? null,
      actorType: who.type,
      actorId: who.id,
      actorDisplay: who.display,
      ip: record.actor?.ip ?? null,
      action: record.action,
      targetType: record.targetType,
      targetId: record.targetId,
      metadata: record.metadata ?? {},
      createdAt: at,
    });
  }

  /** The organization's log: live data, so never for a test key. */
  async list(request: ListAuditRequest): Promise<Page<AuditEntry>> {
    await this.authority.authorize(request.actor, { kind: 'scope', scope: 'keys:read', live: true });
    const after = decodeCursor(request.page.cursor);
    const rows = await this.repository.listByOrg(
      request.actor.org_id,
      after,
      request.page.limit,
      request.filter,
    );
    return toPage(rows, request.page.limit, toAuditView);
  }
}

export function toAuditView(row: AuditEntryEntity): AuditEntry {
  return {
    id: row.id,
    object: 'audit_entry',
    organization_id: row.orgId,
    actor_key_id: row.actorKeyId,
    actor: { type: row.actorType, id: row.actorId, display: row.actorDisplay },
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    ip: row.ip,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
  };
}

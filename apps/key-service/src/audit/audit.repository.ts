import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { type Cursor, Tables } from '@plexmcp/service-kit';
import { AuditEntryEntity } from './audit-entry.entity.js';

@Injectable()
export class AuditRepository {
  constructor(private readonly tables: Tables) {}

  async insert(manager: EntityManager, entry: AuditEntryEntity): Promise<void> {
    await manager.insert(AuditEntryEntity, entry as QueryDeepPartialEntity<AuditEntryEntity>);
  }

  /** Newest first, `limit + 1` rows so the caller knows whether another page exists. */
  async listByOrg(orgId: string, after: Cursor | null, limit: number): Promise<AuditEntryEntity[]> {
    const qb = this.tables
      .repository(AuditEntryEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId', { orgId });
    if (after)
      qb.andWhere('(a.created_at, a.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    return qb
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }
}

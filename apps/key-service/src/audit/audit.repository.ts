import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { AuditFilter } from '@plexmcp/contracts';
import { type Cursor, Tables, keysetPage } from '@plexmcp/service-kit';
import { AuditEntryEntity } from './audit-entry.entity.js';

@Injectable()
export class AuditRepository {
  constructor(private readonly tables: Tables) {}

  async insert(manager: EntityManager, entry: AuditEntryEntity): Promise<void> {
    await manager.insert(AuditEntryEntity, entry as QueryDeepPartialEntity<AuditEntryEntity>);
  }

  /**
   * Newest first, `limit + 1` rows so the caller knows whether another page exists; only entries
   * matching every filter given.
   */
  async listByOrg(
    orgId: string,
    after: Cursor | null,
    limit: number,
    filter: AuditFilter = {},
  ): Promise<AuditEntryEntity[]> {
    const qb = this.tables
      .repository(AuditEntryEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId', { orgId });
    if (filter.actor !== undefined) qb.andWhere('a.actor_id = :actor', { actor: filter.actor });
    if (filter.action !== undefined) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.target !== undefined) qb.andWhere('a.target_id = :target', { target: filter.target });
    if (filter.from !== undefined) qb.andWhere('a.created_at >= :from', { from: new Date(filter.from) });
    if (filter.to !== undefined) qb.andWhere('a.created_at < :to', { to: new Date(filter.to) });
    return keysetPage(qb, after, limit + 1).getMany();
  }
}

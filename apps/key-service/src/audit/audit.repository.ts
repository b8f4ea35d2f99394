import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { type Cursor, Tables, keysetPage } from '@plexmcp/service-kit';
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
    return keysetPage(qb, after, limit + 1).getMany();
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Cursor, Tables, keysetPage } from '@plexmcp/service-kit';
import { nextVersionSql } from '../database/versions.js';
import { OrganizationEntity } from './organization.entity.js';

@Injectable()
export class OrganizationsRepository {
  constructor(private readonly tables: Tables) {}

  /** Stores a new organization; its version is drawn from the shared sequence and returned. */
  async insert(manager: EntityManager, org: Omit<OrganizationEntity, 'version'>): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(OrganizationEntity)
      .values({ ...org, version: () => nextVersionSql(this.tables.schema) })
      .returning(['version'])
      .execute();
    return Number((result.raw as { version: string }[])[0]!.version);
  }

  async findById(id: string): Promise<OrganizationEntity | null> {
    return this.tables.manager.findOne(OrganizationEntity, { where: { id } });
  }

  /** Organizations newest first, starting after `after`: `limit` rows (callers ask one more). */
  async list(after: Cursor | null, limit: number): Promise<OrganizationEntity[]> {
    const qb = this.tables.repository(OrganizationEntity).createQueryBuilder('o');
    return keysetPage(qb, after, limit).getMany();
  }

  async lock(manager: EntityManager, id: string): Promise<OrganizationEntity | null> {
    return manager.findOne(OrganizationEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async update(
    manager: EntityManager,
    org: OrganizationEntity,
    patch: Partial<
      Pick<
        OrganizationEntity,
        'name' | 'status' | 'monthlyRequestLimit' | 'ipAllowlist' | 'revokeLeakedTestKeys'
      >
    >,
    now: Date,
  ): Promise<OrganizationEntity> {
    const result = await manager
      .createQueryBuilder()
      .update(OrganizationEntity)
      .set({ ...patch, updatedAt: now, version: () => nextVersionSql(this.tables.schema) })
      .where('id = :id', { id: org.id })
      .returning(['version'])
      .execute();
    const version = Number((result.raw as { version: string }[])[0]!.version);
    return { ...org, ...patch, version, updatedAt: now };
  }
}

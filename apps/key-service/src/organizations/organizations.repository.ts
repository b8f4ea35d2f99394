import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OrganizationEntity } from './organization.entity.js';

@Injectable()
export class OrganizationsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, org: OrganizationEntity): Promise<void> {
    await manager.insert(OrganizationEntity, org);
  }

  async findById(id: string): Promise<OrganizationEntity | null> {
    return this.dataSource.manager.findOne(OrganizationEntity, { where: { id } });
  }

  async lock(manager: EntityManager, id: string): Promise<OrganizationEntity | null> {
    return manager.findOne(OrganizationEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async update(
    manager: EntityManager,
    org: OrganizationEntity,
    patch: Partial<Pick<OrganizationEntity, 'name' | 'status' | 'monthlyRequestLimit' | 'ipAllowlist'>>,
    now: Date,
  ): Promise<OrganizationEntity> {
    const next: OrganizationEntity = { ...org, ...patch, version: org.version + 1, updatedAt: now };
    await manager.update(OrganizationEntity, { id: org.id }, { ...patch, version: next.version, updatedAt: now });
    return next;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { Cursor } from '../common/pagination.js';
import { McpEntity, type McpMode } from './mcp.entity.js';

export interface McpListFilter {
  only?: string[];
  mode?: McpMode;
}

@Injectable()
export class McpsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, mcp: McpEntity): Promise<void> {
    await manager.insert(McpEntity, mcp);
  }

  async findById(id: string): Promise<McpEntity | null> {
    return this.dataSource.manager.findOne(McpEntity, { where: { id } });
  }

  async findInOrg(orgId: string, id: string): Promise<McpEntity | null> {
    return this.dataSource.manager.findOne(McpEntity, { where: { id, orgId } });
  }

  async lockInOrg(manager: EntityManager, orgId: string, id: string): Promise<McpEntity | null> {
    return manager.findOne(McpEntity, { where: { id, orgId }, lock: { mode: 'pessimistic_write' } });
  }

  async update(
    manager: EntityManager,
    mcp: McpEntity,
    patch: Partial<Pick<McpEntity, 'name' | 'mode' | 'upstreamUrl' | 'upstreamHeaders'>>,
    now: Date,
  ): Promise<McpEntity> {
    const next: McpEntity = { ...mcp, ...patch, version: mcp.version + 1, updatedAt: now };
    await manager.update(McpEntity, { id: mcp.id }, { ...patch, version: next.version, updatedAt: now });
    return next;
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(McpEntity, { id });
  }

  /** Which of `ids` are MCPs of this organization. */
  async existingIds(orgId: string, ids: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await manager.find(McpEntity, { select: { id: true }, where: { orgId, id: In([...ids]) } });
    return new Set(rows.map((r) => r.id));
  }

  async listByOrg(orgId: string, filter: McpListFilter, after: Cursor | null, limit: number): Promise<McpEntity[]> {
    const qb = this.dataSource.getRepository(McpEntity).createQueryBuilder('m').where('m.org_id = :orgId', { orgId });
    if (filter.only) {
      if (filter.only.length === 0) return [];
      qb.andWhere('m.id IN (:...only)', { only: filter.only });
    }
    if (filter.mode) qb.andWhere('m.mode = :mode', { mode: filter.mode });
    if (after) qb.andWhere('(m.created_at, m.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    return qb.orderBy('m.created_at', 'DESC').addOrderBy('m.id', 'DESC').limit(limit + 1).getMany();
  }
}

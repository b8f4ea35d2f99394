import { Injectable } from '@nestjs/common';
import { type EntityManager, In } from 'typeorm';
import { type Cursor, Tables, keysetPage } from '@plexmcp/service-kit';
import { nextVersionSql } from '../database/versions.js';
import { McpEntity, type McpMode } from './mcp.entity.js';

export interface McpListFilter {
  only?: string[];
  mode?: McpMode;
}

@Injectable()
export class McpsRepository {
  constructor(private readonly tables: Tables) {}

  /** Stores a new MCP; its version is drawn from the shared sequence and returned. */
  async insert(manager: EntityManager, mcp: Omit<McpEntity, 'version'>): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(McpEntity)
      .values({ ...mcp, version: () => nextVersionSql(this.tables.schema) })
      .returning(['version'])
      .execute();
    return Number((result.raw as { version: string }[])[0]!.version);
  }

  async findById(id: string): Promise<McpEntity | null> {
    return this.tables.manager.findOne(McpEntity, { where: { id } });
  }

  async findInOrg(orgId: string, id: string): Promise<McpEntity | null> {
    return this.tables.manager.findOne(McpEntity, { where: { id, orgId } });
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
    const result = await manager
      .createQueryBuilder()
      .update(McpEntity)
      .set({ ...patch, updatedAt: now, version: () => nextVersionSql(this.tables.schema) })
      .where('id = :id', { id: mcp.id })
      .returning(['version'])
      .execute();
    const version = Number((result.raw as { version: string }[])[0]!.version);
    return { ...mcp, ...patch, version, updatedAt: now };
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(McpEntity, { id });
  }

  /** The upstream URLs of the organization's MCPs of one mode (for the test/live origin rule). */
  async upstreamUrls(
    manager: EntityManager,
    orgId: string,
    mode: McpMode,
    exceptId?: string,
  ): Promise<string[]> {
    const rows = await manager.find(McpEntity, {
      select: { id: true, upstreamUrl: true },
      where: { orgId, mode },
    });
    return rows.filter((r) => r.id !== exceptId).map((r) => r.upstreamUrl);
  }

  /** Which of `ids` are MCPs of this organization. */
  async existingIds(
    orgId: string,
    ids: readonly string[],
    manager: EntityManager = this.tables.manager,
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await manager.find(McpEntity, { select: { id: true }, where: { orgId, id: In([...ids]) } });
    return new Set(rows.map((r) => r.id));
  }

  async listByOrg(
    orgId: string,
    filter: McpListFilter,
    after: Cursor | null,
    limit: number,
  ): Promise<McpEntity[]> {
    const qb = this.tables
      .repository(McpEntity)
      .createQueryBuilder('m')
      .where('m.org_id = :orgId', { orgId });
    if (filter.only) {
      if (filter.only.length === 0) return [];
      qb.andWhere('m.id IN (:...only)', { only: filter.only });
    }
    if (filter.mode) qb.andWhere('m.mode = :mode', { mode: filter.mode });
    return keysetPage(qb, after, limit + 1).getMany();
  }

  /**
   * MCPs' ids and stored headers, locked until the transaction ends (re-encryption): all of them,
   * or (`onlyPlaintext`) those with a value that is not an `enc:v1:` envelope, so a start-up with
   * nothing left in clear locks nothing.
   */
  async lockHeaders(
    manager: EntityManager,
    onlyPlaintext: boolean,
  ): Promise<Pick<McpEntity, 'id' | 'upstreamHeaders'>[]> {
    const qb = manager
      .createQueryBuilder(McpEntity, 'm')
      .select(['m.id', 'm.upstreamHeaders'])
      .orderBy('m.id', 'ASC')
      .setLock('pessimistic_write');
    if (onlyPlaintext) {
      qb.where(
        `EXISTS (SELECT 1 FROM jsonb_each_text(m.upstream_headers) h WHERE h.value NOT LIKE 'enc:v1:%')`,
      );
    }
    return qb.getMany();
  }

  /** Rewrites stored header values only (same plaintext, new ciphertext): no version, no event. */
  async storeHeaders(
    manager: EntityManager,
    id: string,
    upstreamHeaders: Record<string, string>,
  ): Promise<void> {
    await manager.update(McpEntity, { id }, { upstreamHeaders });
  }
}

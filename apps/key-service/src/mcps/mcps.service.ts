import { Injectable } from '@nestjs/common';
import {
  type Actor,
  AppError,
  type CreateMcpBody,
  ErrorCode,
  IdPrefix,
  type ListMcpsRequest,
  type McpByIdRequest,
  type McpRoute,
  type McpView,
  type Page,
  type UpdateMcpRequest,
  newId,
} from '@plexmcp/contracts';
import { AuditService } from '../audit/audit.service.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { McpHeadersCipher } from './mcp-headers-cipher.js';
import type { McpEntity } from './mcp.entity.js';
import { McpsRepository } from './mcps.repository.js';

const notFound = () => new AppError(ErrorCode.NotFound, 'MCP not found');

/** Header names only: values are secrets that leave this service only towards gateways. */
export function toMcpView(mcp: Omit<McpEntity, 'version'>): McpView {
  return {
    id: mcp.id,
    object: 'mcp',
    organization_id: mcp.orgId,
    name: mcp.name,
    mode: mcp.mode,
    upstream_url: mcp.upstreamUrl,
    upstream_header_names: Object.keys(mcp.upstreamHeaders).sort(),
    created_at: mcp.createdAt.toISOString(),
    updated_at: mcp.updatedAt.toISOString(),
  };
}

@Injectable()
export class McpsService {
  constructor(
    private readonly mcps: McpsRepository,
    private readonly audit: AuditService,
    private readonly tx: TransactionRunner,
    private readonly events: KeyEventsPublisher,
    private readonly headers: McpHeadersCipher,
  ) {}

  async create(actor: Actor, body: CreateMcpBody): Promise<McpView> {
    const now = new Date();
    const id = newId(IdPrefix.Mcp);
    const mcp: Omit<McpEntity, 'version'> = {
      id,
      orgId: actor.org_id,
      name: body.name,
      mode: body.mode,
      upstreamUrl: body.upstream_url,
      upstreamHeaders: this.headers.seal(id, body.upstream_headers),
      createdAt: now,
      updatedAt: now,
    };
    await this.tx.run(async (manager) => {
      await this.mcps.insert(manager, mcp);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'mcp.created',
        targetType: 'mcp',
        targetId: mcp.id,
        metadata: { name: mcp.name, mode: mcp.mode, upstream_header_names: Object.keys(mcp.upstreamHeaders) },
      });
    });
    return toMcpView(mcp);
  }

  async list(request: ListMcpsRequest): Promise<Page<McpView>> {
    const after = decodeCursor(request.page.cursor);
    const filter: { only?: string[]; mode?: 'live' | 'test' } = {};
    if (Array.isArray(request.only)) filter.only = request.only;
    if (request.mode) filter.mode = request.mode;
    const rows = await this.mcps.listByOrg(request.actor.org_id, filter, after, request.page.limit);
    return toPage(rows, request.page.limit, toMcpView);
  }

  async get({ actor, id }: McpByIdRequest): Promise<McpView> {
    const mcp = await this.mcps.findInOrg(actor.org_id, id);
    if (!mcp) throw notFound();
    return toMcpView(mcp);
  }

  async update({ actor, id, body }: UpdateMcpRequest): Promise<McpView> {
    const updated = await this.tx.run(async (manager) => {
      const current = await this.mcps.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      const patch: Partial<Pick<McpEntity, 'name' | 'mode' | 'upstreamUrl' | 'upstreamHeaders'>> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.mode !== undefined) patch.mode = body.mode;
      if (body.upstream_url !== undefined) patch.upstreamUrl = body.upstream_url;
      if (body.upstream_headers !== undefined)
        patch.upstreamHeaders = this.headers.seal(id, body.upstream_headers);
      const next = await this.mcps.update(manager, current, patch, new Date());
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'mcp.updated',
        targetType: 'mcp',
        targetId: id,
        metadata: { fields: Object.keys(body) },
      });
      return next;
    });
    await this.events.publish({ type: 'mcp.updated', mcp_id: updated.id, org_id: updated.orgId });
    return toMcpView(updated);
  }

  /** Removes the MCP; gateways drop its route before this returns. Answers the removed MCP. */
  async delete({ actor, id }: McpByIdRequest): Promise<McpView> {
    const removed = await this.tx.run(async (manager) => {
      const current = await this.mcps.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      await this.mcps.delete(manager, id);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'mcp.deleted',
        targetType: 'mcp',
        targetId: id,
        metadata: { name: current.name },
      });
      return current;
    });
    await this.events.publish({ type: 'mcp.updated', mcp_id: removed.id, org_id: removed.orgId });
    return toMcpView(removed);
  }

  /** Internal routing record for gateways, secret headers included; null when it does not exist. */
  async resolve(id: string): Promise<McpRoute | null> {
    const mcp = await this.mcps.findById(id);
    if (!mcp) return null;
    return {
      id: mcp.id,
      org_id: mcp.orgId,
      mode: mcp.mode,
      upstream_url: mcp.upstreamUrl,
      upstream_headers: this.headers.open(mcp.id, mcp.upstreamHeaders),
      version: mcp.version,
    };
  }
}

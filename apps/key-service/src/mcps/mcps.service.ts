import { Inject, Injectable } from '@nestjs/common';
import {
  type Actor,
  type McpRef,
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
  type HeldIdempotencyKey,
  mcpViewSchema,
  newId,
  successEnvelope,
} from '@plexmcp/contracts';
import { TransactionRunner, decodeCursor, toPage } from '@plexmcp/service-kit';
import { AuditService } from '../audit/audit.service.js';
import { ActorAuthority } from '../authorization/actor-authority.service.js';
import type { KeyServiceConfig } from '../config.js';
import { SERVICE_CONFIG } from '@plexmcp/service-kit';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import type { EntityManager } from 'typeorm';
import { McpHeadersCipher } from './mcp-headers-cipher.js';
import type { McpEntity } from './mcp.entity.js';
import { McpsRepository } from './mcps.repository.js';
import { UpstreamUrlPolicy } from './upstream-url.policy.js';

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
    private readonly authority: ActorAuthority,
    @Inject(SERVICE_CONFIG) private readonly config: KeyServiceConfig,
    private readonly upstreams: UpstreamUrlPolicy,
    private readonly headers: McpHeadersCipher,
    private readonly idempotency: IdempotencyService,
  ) {}

  /**
   * Registers an MCP: only a key permitted every MCP (`"*"`) may; a test key registers test MCPs.
   * With the request's Idempotency-Key claim, its answer is stored as it commits.
   */
  async create(actor: Actor, body: CreateMcpBody, idempotency?: HeldIdempotencyKey): Promise<McpView> {
    await this.authority.authorize(actor, { kind: 'mcp.manage', mcp: null, mode: body.mode });
    await this.upstreams.assertAllowed(body.upstream_url);
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
    const view = toMcpView(mcp);
    await this.tx.run(async (manager) => {
      await this.assertUpstreamIsolation(manager, actor.org_id, mcp.mode, mcp.upstreamUrl);
      await this.mcps.insert(manager, mcp);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'mcp.created',
        targetType: 'mcp',
        targetId: mcp.id,
        metadata: { name: mcp.name, mode: mcp.mode, upstream_header_names: Object.keys(mcp.upstreamHeaders) },
      });
      await this.idempotency.answerWithin(manager, actor.org_id, idempotency, {
        status: 201,
        schema: mcpViewSchema,
        reply: view,
        render: successEnvelope,
      });
    });
    return view;
  }

  /** The MCPs the acting key may use (its permission list; test MCPs only for a test key). */
  async list(request: ListMcpsRequest): Promise<Page<McpView>> {
    const acting = await this.authority.authorize(request.actor, { kind: 'authenticated' });
    const after = decodeCursor(request.page.cursor);
    const filter: { only?: string[]; mode?: 'live' | 'test' } = {};
    // The acting key's list and the caller's narrowing, both when given ('*' or absent: every MCP).
    const lists = [acting?.permissions.mcps, request.only].filter((l): l is string[] => Array.isArray(l));
    if (lists.length > 0) filter.only = lists.reduce((a, b) => a.filter((id) => b.includes(id)));
    const mode = acting?.mode === 'test' ? 'test' : request.mode;
    if (mode) filter.mode = mode;
    const rows = await this.mcps.listByOrg(request.actor.org_id, filter, after, request.page.limit);
    return toPage(rows, request.page.limit, toMcpView);
  }

  async get({ actor, id }: McpByIdRequest): Promise<McpView> {
    const acting = await this.authority.actingKey(actor);
    const mcp = await this.mcps.findInOrg(actor.org_id, id);
    if (!mcp) throw notFound();
    this.authority.check(acting, actor, { kind: 'mcp', mcp: mcpRef(mcp) });
    return toMcpView(mcp);
  }

  /**
   * Changes an MCP the acting key is permitted (a test key: a test MCP, which stays test). A new
   * `upstream_url` without `upstream_headers` drops the stored headers: an upstream's credentials
   * are never sent to an address they were not configured for.
   */
  async update({ actor, id, body }: UpdateMcpRequest): Promise<McpView> {
    const acting = await this.authority.actingKey(actor);
    if (body.upstream_url !== undefined) await this.upstreams.assertAllowed(body.upstream_url);
    const updated = await this.tx.run(async (manager, { afterCommit }) => {
      const current = await this.mcps.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      const mode = body.mode ?? current.mode;
      this.authority.check(acting, actor, { kind: 'mcp.manage', mcp: mcpRef(current), mode });
      const patch: Partial<Pick<McpEntity, 'name' | 'mode' | 'upstreamUrl' | 'upstreamHeaders'>> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.mode !== undefined) patch.mode = body.mode;
      if (body.upstream_url !== undefined) patch.upstreamUrl = body.upstream_url;
      if (body.upstream_headers !== undefined)
        patch.upstreamHeaders = this.headers.seal(id, body.upstream_headers);
      else if (body.upstream_url !== undefined && body.upstream_url !== current.upstreamUrl) {
        patch.upstreamHeaders = {};
      }
      if (body.mode !== undefined || body.upstream_url !== undefined) {
        await this.assertUpstreamIsolation(
          manager,
          actor.org_id,
          mode,
          body.upstream_url ?? current.upstreamUrl,
          id,
        );
      }
      const next = await this.mcps.update(manager, current, patch, new Date());
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'mcp.updated',
        targetType: 'mcp',
        targetId: id,
        metadata: {
          fields: Object.keys(body),
          ...(patch.upstreamHeaders !== undefined && body.upstream_headers === undefined
            ? { upstream_headers_dropped: true }
            : {}),
        },
      });
      afterCommit(() => this.events.publish({ type: 'mcp.updated', mcp_id: next.id, org_id: next.orgId }));
      return next;
    });
    return toMcpView(updated);
  }

  /** Removes the MCP; gateways drop its route before this returns. Answers the removed MCP. */
  async delete({ actor, id }: McpByIdRequest): Promise<McpView> {
    const acting = await this.authority.actingKey(actor);
    const removed = await this.tx.run(async (manager, { afterCommit }) => {
      const current = await this.mcps.lockInOrg(manager, actor.org_id, id);
      if (!current) throw notFound();
      this.authority.check(acting, actor, { kind: 'mcp.manage', mcp: mcpRef(current), mode: current.mode });
      await this.mcps.delete(manager, id);
      await this.audit.record(manager, {
        orgId: actor.org_id,
        actor,
        action: 'mcp.deleted',
        targetType: 'mcp',
        targetId: id,
        metadata: { name: current.name },
      });
      afterCommit(() =>
        this.events.publish({ type: 'mcp.updated', mcp_id: current.id, org_id: current.orgId }),
      );
      return current;
    });
    return toMcpView(removed);
  }

  /**
   * With `MCP_ISOLATE_TEST_UPSTREAMS`, a test MCP and a live MCP of one organization never share an
   * upstream origin (scheme, host and port).
   */
  private async assertUpstreamIsolation(
    manager: EntityManager,
    orgId: string,
    mode: 'live' | 'test',
    upstreamUrl: string,
    exceptId?: string,
  ): Promise<void> {
    if (!this.config.MCP_ISOLATE_TEST_UPSTREAMS) return;
    const other = mode === 'test' ? 'live' : 'test';
    const origin = new URL(upstreamUrl).origin;
    const urls = await this.mcps.upstreamUrls(manager, orgId, other, exceptId);
    if (urls.some((url) => new URL(url).origin === origin)) {
      throw new AppError(
        ErrorCode.Conflict,
        `A ${other} MCP of this organization uses the upstream ${origin}; test and live MCPs may not share an upstream (MCP_ISOLATE_TEST_UPSTREAMS)`,
      );
    }
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

function mcpRef(mcp: Pick<McpEntity, 'id' | 'orgId' | 'mode'>): McpRef {
  return { id: mcp.id, org_id: mcp.orgId, mode: mcp.mode };
}

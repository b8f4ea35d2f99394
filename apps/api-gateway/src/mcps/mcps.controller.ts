import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import {
  type Actor,
  AppError,
  ErrorCode,
  type CreateMcpBody,
  type McpRoute,
  type McpView,
  type PaginationQuery,
  Subjects,
  type SuccessEnvelope,
  type UpdateMcpBody,
  createMcpBodySchema,
  mcpIdSchema,
  mcpPageSchema,
  mcpViewSchema,
  updateMcpBodySchema,
} from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import { CurrentActor, CurrentAuth } from '../auth/auth.decorators.js';
import { authorize } from '../auth/key-authority.js';
import type { AuthContext } from '../auth/request-context.js';
import { AUTHENTICATED, Access } from '../auth/route-access.js';
import { pathId } from '../common/path-id.js';
import { idempotencyClaim } from '../common/idempotency.hook.js';
import { ok, page } from '../common/envelope.js';
import { PageQuery, ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * MCP registry under /v1/mcps. Reading needs a key that may use the MCP; registering needs mcps:write
 * and every MCP (`"*"`); changing or removing needs mcps:write and that MCP, and a test key
 * manages test MCPs only. The key-service decides the same again as the authority.
 */
@Controller('v1/mcps')
export class McpsController {
  constructor(private readonly runtime: GatewayRuntime) {}

  /** The MCPs this key may use: its permission list, and only test MCPs for a test key. */
  @Get()
  @Access(AUTHENTICATED)
  async list(
    @CurrentAuth() auth: AuthContext,
    @CurrentActor() actor: Actor,
    @PageQuery() query: PaginationQuery,
  ): Promise<SuccessEnvelope<McpView[]>> {
    const { permissions, mode } = auth.policy;
    const request = {
      actor,
      page: query,
      only: permissions.mcps,
      ...(mode === 'test' ? { mode: 'test' as const } : {}),
    };
    return page(await this.runtime.rpc.call(Subjects.mcps.list, request, mcpPageSchema));
  }

  @Get(':id')
  @Access(AUTHENTICATED)
  async get(
    @CurrentActor() actor: Actor,
    @Param('id') rawId: string,
    @Req() request: FastifyRequest,
  ): Promise<SuccessEnvelope<McpView>> {
    const route = await this.target(request, rawId);
    authorize(request, { kind: 'mcp', mcp: route });
    return ok(await this.runtime.rpc.call(Subjects.mcps.get, { actor, id: route.id }, mcpViewSchema));
  }

  @Post()
  @HttpCode(201)
  @Access({ scope: 'mcps:write' })
  async create(
    @Req() request: FastifyRequest,
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createMcpBodySchema)) body: CreateMcpBody,
  ): Promise<SuccessEnvelope<McpView>> {
    authorize(request, { kind: 'mcp.manage', mcp: null, mode: body.mode });
    // With an Idempotency-Key, the key-service stores this answer as it creates the MCP.
    const call = { actor, body, ...idempotencyClaim(request) };
    return ok(await this.runtime.rpc.call(Subjects.mcps.create, call, mcpViewSchema));
  }

  @Patch(':id')
  @Access({ scope: 'mcps:write' })
  async update(
    @Req() request: FastifyRequest,
    @CurrentActor() actor: Actor,
    @Param('id') rawId: string,
    @Body(new ZodValidationPipe(updateMcpBodySchema)) body: UpdateMcpBody,
  ): Promise<SuccessEnvelope<McpView>> {
    const route = await this.target(request, rawId);
    authorize(request, { kind: 'mcp.manage', mcp: route, mode: body.mode ?? route.mode });
    const mcp = await this.runtime.rpc.call(
      Subjects.mcps.update,
      { actor, id: route.id, body },
      mcpViewSchema,
      { timeoutMs: this.runtime.changeTimeoutMs },
    );
    // The key-service announces mcp.updated to every gateway; evict here too without waiting for it.
    this.runtime.mcpRoutes.evict(mcp.id);
    return ok(mcp);
  }

  @Delete(':id')
  @Access({ scope: 'mcps:write' })
  async remove(
    @Req() request: FastifyRequest,
    @CurrentActor() actor: Actor,
    @Param('id') rawId: string,
  ): Promise<SuccessEnvelope<McpView>> {
    const route = await this.target(request, rawId);
    authorize(request, { kind: 'mcp.manage', mcp: route, mode: route.mode });
    const mcp = await this.runtime.rpc.call(Subjects.mcps.delete, { actor, id: route.id }, mcpViewSchema, {
      timeoutMs: this.runtime.changeTimeoutMs,
    });
    this.runtime.mcpRoutes.evict(mcp.id);
    return ok(mcp);
  }

  /** The MCP a route is about, from the routing cache; 404 when there is none. */
  private async target(request: FastifyRequest, rawId: string): Promise<McpRoute> {
    const id = pathId(mcpIdSchema, rawId);
    request.mcpId = id;
    const route = await this.runtime.mcpRoutes.resolve(id, Date.now());
    if (route === null) throw new AppError(ErrorCode.NotFound);
    return route;
  }
}

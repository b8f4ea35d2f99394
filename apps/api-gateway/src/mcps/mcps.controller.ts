import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  type Actor,
  type CreateMcpBody,
  type McpView,
  type PaginationQuery,
  Subjects,
  type SuccessEnvelope,
  type UpdateMcpBody,
  createMcpBodySchema,
  mcpIdSchema,
  mcpPageSchema,
  mcpViewSchema,
  paginationQuerySchema,
  updateMcpBodySchema,
} from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import { CurrentActor, CurrentAuth, RequireScope, ScopeGuard } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/request-context.js';
import { pathId } from '../common/path-id.js';
import { ok, page } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';
import { mcpAccessError } from './mcp-access.js';

/** MCP registry (SPEC §4). Reading needs a key that may use the MCP; changing needs mcps:write. */
@Controller('v1/mcps')
@UseGuards(ScopeGuard)
export class McpsController {
  constructor(private readonly runtime: GatewayRuntime) {}

  /** The MCPs this key may use: its permission list, and only test MCPs for a test key. */
  @Get()
  async list(
    @CurrentAuth() auth: AuthContext,
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(paginationQuerySchema)) query: PaginationQuery,
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
  async get(
    @CurrentAuth() auth: AuthContext,
    @CurrentActor() actor: Actor,
    @Param('id') rawId: string,
    @Req() request: FastifyRequest,
  ): Promise<SuccessEnvelope<McpView>> {
    const id = pathId(mcpIdSchema, rawId);
    request.mcpId = id;
    const route = await this.runtime.mcpRoutes.resolve(id, Date.now());
    const denied = mcpAccessError(auth, route, request.clientIp, Date.now());
    if (denied !== null) throw denied;
    return ok(await this.runtime.rpc.call(Subjects.mcps.get, { actor, id }, mcpViewSchema));
  }

  @Post()
  @HttpCode(201)
  @RequireScope('mcps:write')
  async create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createMcpBodySchema)) body: CreateMcpBody,
  ): Promise<SuccessEnvelope<McpView>> {
    return ok(await this.runtime.rpc.call(Subjects.mcps.create, { actor, body }, mcpViewSchema));
  }

  @Patch(':id')
  @RequireScope('mcps:write')
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateMcpBodySchema)) body: UpdateMcpBody,
  ): Promise<SuccessEnvelope<McpView>> {
    const mcp = await this.runtime.rpc.call(
      Subjects.mcps.update,
      { actor, id: pathId(mcpIdSchema, id), body },
      mcpViewSchema,
    );
    // The key-service announces mcp.updated to every gateway; evict here too without waiting for it.
    this.runtime.mcpRoutes.evict(mcp.id);
    return ok(mcp);
  }

  @Delete(':id')
  @RequireScope('mcps:write')
  async remove(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<McpView>> {
    const mcp = await this.runtime.rpc.call(
      Subjects.mcps.delete,
      { actor, id: pathId(mcpIdSchema, id) },
      mcpViewSchema,
    );
    this.runtime.mcpRoutes.evict(mcp.id);
    return ok(mcp);
  }
}

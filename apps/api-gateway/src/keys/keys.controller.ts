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
  UseGuards,
} from '@nestjs/common';
import {
  type Actor,
  type ApiKeyView,
  type CreateKeyBody,
  type PaginationQuery,
  type RotateKeyBody,
  Subjects,
  type SuccessEnvelope,
  type UpdateKeyBody,
  apiKeyViewSchema,
  createKeyBodySchema,
  createdKeySchema,
  keyIdSchema,
  keyPageSchema,
  paginationQuerySchema,
  rotateKeyBodySchema,
  rotatedKeySchema,
  updateKeyBodySchema,
} from '@plexmcp/contracts';
import { CurrentActor, CurrentAuth, RequireScope, ScopeGuard } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/request-context.js';
import { pathId } from '../common/path-id.js';
import { ok, page } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';
import { assertNoEscalation } from './key-escalation.js';

/** The key lifecycle (SPEC §4): keys:read / keys:write, always inside the caller's organization. */
@Controller('v1/keys')
@UseGuards(ScopeGuard)
export class KeysController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Post()
  @HttpCode(201)
  @RequireScope('keys:write')
  async create(
    @CurrentAuth() auth: AuthContext,
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createKeyBodySchema)) body: CreateKeyBody,
  ): Promise<SuccessEnvelope<ApiKeyView & { secret: string }>> {
    assertNoEscalation(auth.policy, body);
    const created = await this.runtime.rpc.call(Subjects.keys.create, { actor, body }, createdKeySchema);
    return ok({ ...created.key, secret: created.secret });
  }

  @Get()
  @RequireScope('keys:read')
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(paginationQuerySchema)) query: PaginationQuery,
  ): Promise<SuccessEnvelope<ApiKeyView[]>> {
    return page(await this.runtime.rpc.call(Subjects.keys.list, { actor, page: query }, keyPageSchema));
  }

  @Get(':id')
  @RequireScope('keys:read')
  async get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<ApiKeyView>> {
    return ok(
      await this.runtime.rpc.call(
        Subjects.keys.get,
        { actor, id: pathId(keyIdSchema, id) },
        apiKeyViewSchema,
      ),
    );
  }

  @Patch(':id')
  @RequireScope('keys:write')
  async update(
    @CurrentAuth() auth: AuthContext,
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateKeyBodySchema)) body: UpdateKeyBody,
  ): Promise<SuccessEnvelope<ApiKeyView>> {
    assertNoEscalation(auth.policy, body);
    return ok(
      await this.runtime.rpc.call(
        Subjects.keys.update,
        { actor, id: pathId(keyIdSchema, id), body },
        apiKeyViewSchema,
      ),
    );
  }

  /** Revokes the key; returns once every running gateway has evicted it. */
  @Delete(':id')
  @RequireScope('keys:write')
  async revoke(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<ApiKeyView>> {
    return ok(
      await this.runtime.rpc.call(
        Subjects.keys.revoke,
        { actor, id: pathId(keyIdSchema, id) },
        apiKeyViewSchema,
      ),
    );
  }

  @Post(':id/rotate')
  @HttpCode(201)
  @RequireScope('keys:write')
  async rotate(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(rotateKeyBodySchema)) body: RotateKeyBody,
  ): Promise<SuccessEnvelope<ApiKeyView & { secret: string; previous: ApiKeyView }>> {
    const rotated = await this.runtime.rpc.call(
      Subjects.keys.rotate,
      { actor, id: pathId(keyIdSchema, id), body },
      rotatedKeySchema,
    );
    return ok({ ...rotated.key, secret: rotated.secret, previous: rotated.previous });
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import {
  type Actor,
  type ApiKeyView,
  type CreateKeyBody,
  type HeldIdempotencyKey,
  type ListKeysQuery,
  type ListKeysRequest,
  type RotateKeyBody,
  Subjects,
  type SuccessEnvelope,
  type UpdateKeyBody,
  apiKeyViewSchema,
  createKeyBodySchema,
  createdKeyAnswer,
  createdKeySchema,
  keyIdSchema,
  keyPageSchema,
  listKeysQuerySchema,
  requestedExpiry,
  requestedKey,
  rotateKeyBodySchema,
  rotatedKeyAnswer,
  rotatedKeySchema,
  updateKeyBodySchema,
} from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import type { RpcCallOptions } from '@plexmcp/service-kit';
import type { z } from 'zod';
import { CurrentActor } from '../auth/auth.decorators.js';
import { authorize } from '../auth/key-authority.js';
import { Access } from '../auth/route-access.js';
import { pathId } from '../common/path-id.js';
import { NO_STORE, ok, page } from '../common/envelope.js';
import { idempotencyClaim } from '../common/idempotency.hook.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * The key lifecycle under /v1/keys: keys:read / keys:write, always inside the caller's organization.
 * A key acts only on keys its own grant covers — create here on the fast path, and for every
 * change in the key-service, which knows the target and decides with the same rule.
 */
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Post()
  @HttpCode(201)
  @Header('cache-control', NO_STORE)
  @Access({ scope: 'keys:write' })
  async create(
    @Req() request: FastifyRequest,
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createKeyBodySchema)) body: CreateKeyBody,
  ): Promise<SuccessEnvelope<ApiKeyView & { secret: string }>> {
    const now = Date.now();
    authorize(
      request,
      {
        kind: 'key.manage',
        key: null,
        next: requestedKey(actor.org_id, body, requestedExpiry(body, now)),
      },
      now,
    );
    // With an Idempotency-Key, the key-service stores this answer as it creates the key.
    const created = await this.runtime.rpc.call(
      Subjects.keys.create,
      { actor, body, ...idempotencyClaim(request) },
      createdKeySchema,
    );
    return createdKeyAnswer(created);
  }

  /** `?created_by=usr_…|key_…`: only the keys that person or key created. */
  @Get()
  @Access({ scope: 'keys:read' })
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listKeysQuerySchema)) query: ListKeysQuery,
  ): Promise<SuccessEnvelope<ApiKeyView[]>> {
    const { tag, metadata, created_by, ...pageQuery } = query;
    const filter: NonNullable<ListKeysRequest['filter']> = {};
    if (tag !== undefined) filter.tag = tag;
    if (metadata !== undefined) {
      const colon = metadata.indexOf(':');
      filter.metadata = { key: metadata.slice(0, colon), value: metadata.slice(colon + 1) };
    }
    if (created_by !== undefined) filter.created_by = created_by;
    const request: ListKeysRequest = {
      actor,
      page: pageQuery,
      ...(Object.keys(filter).length > 0 ? { filter } : {}),
    };
    return page(await this.runtime.rpc.call(Subjects.keys.list, request, keyPageSchema));
  }

  @Get(':id')
  @Access({ scope: 'keys:read' })
  async get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<ApiKeyView>> {
    return ok(await this.aboutKey(Subjects.keys.get, actor, id, apiKeyViewSchema));
  }

  @Patch(':id')
  @Access({ scope: 'keys:write' })
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateKeyBodySchema)) body: UpdateKeyBody,
  ): Promise<SuccessEnvelope<ApiKeyView>> {
    return ok(await this.aboutKey(Subjects.keys.update, actor, id, apiKeyViewSchema, { body }, this.change));
  }

  /** Revokes the key; returns once every running gateway has evicted it. */
  @Delete(':id')
  @Access({ scope: 'keys:write' })
  async revoke(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<ApiKeyView>> {
    return ok(await this.aboutKey(Subjects.keys.revoke, actor, id, apiKeyViewSchema, {}, this.change));
  }

  @Post(':id/rotate')
  @HttpCode(201)
  @Header('cache-control', NO_STORE)
  @Access({ scope: 'keys:write' })
  async rotate(
    @Req() request: FastifyRequest,
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(rotateKeyBodySchema)) body: RotateKeyBody,
  ): Promise<SuccessEnvelope<ApiKeyView & { secret: string; previous: ApiKeyView }>> {
    const rotated = await this.aboutKey(
      Subjects.keys.rotate,
      actor,
      id,
      rotatedKeySchema,
      { body, ...idempotencyClaim(request) },
      this.change,
    );
    return rotatedKeyAnswer(rotated);
  }

  /** A call about the key the path names: an id that cannot name a key is 404 before any call. */
  private aboutKey<T extends z.ZodType>(
    subject: string,
    actor: Actor,
    id: string,
    reply: T,
    extra: { body?: UpdateKeyBody | RotateKeyBody; idempotency?: HeldIdempotencyKey } = {},
    options: RpcCallOptions = {},
  ): Promise<z.infer<T>> {
    return this.runtime.rpc.call(subject, { actor, id: pathId(keyIdSchema, id), ...extra }, reply, options);
  }

  /** A change evicts gateway caches: the key-service may wait for a stalled gateway's TTL first. */
  private get change(): RpcCallOptions {
    return { timeoutMs: this.runtime.changeTimeoutMs };
  }
}

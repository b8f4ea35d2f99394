import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  type Actor,
  type CreateWebhookBody,
  type PaginationQuery,
  type SuccessEnvelope,
  UsageSubjects,
  type WebhookDeliveryView,
  type WebhookView,
  createWebhookBodySchema,
  createdWebhookSchema,
  paginationQuerySchema,
  webhookDeliveryPageSchema,
  webhookDeliveryViewSchema,
  webhookIdSchema,
  webhookPageSchema,
  webhookViewSchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { pathId } from '../common/path-id.js';
import { ok, page } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * Alert webhooks of the caller's organization: webhooks:read / webhooks:write. They carry the
 * organization's live alerts, so a test key never reads or changes them.
 */
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly runtime: GatewayRuntime) {}

  /** The signing secret is in `data.secret`, this once. */
  @Post()
  @HttpCode(201)
  @Access({ scope: 'webhooks:write', live: true })
  async create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createWebhookBodySchema)) body: CreateWebhookBody,
  ): Promise<SuccessEnvelope<WebhookView & { secret: string }>> {
    const created = await this.runtime.rpc.call(
      UsageSubjects.webhooks.create,
      { actor, body },
      createdWebhookSchema,
    );
    return ok({ ...created.webhook, secret: created.secret });
  }

  @Get()
  @Access({ scope: 'webhooks:read', live: true })
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(paginationQuerySchema)) query: PaginationQuery,
  ): Promise<SuccessEnvelope<WebhookView[]>> {
    return page(
      await this.runtime.rpc.call(UsageSubjects.webhooks.list, { actor, page: query }, webhookPageSchema),
    );
  }

  @Delete(':id')
  @Access({ scope: 'webhooks:write', live: true })
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<WebhookView>> {
    return ok(
      await this.runtime.rpc.call(
        UsageSubjects.webhooks.delete,
        { actor, id: pathId(webhookIdSchema, id) },
        webhookViewSchema,
      ),
    );
  }

  @Get(':id/deliveries')
  @Access({ scope: 'webhooks:read', live: true })
  async deliveries(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(paginationQuerySchema)) query: PaginationQuery,
  ): Promise<SuccessEnvelope<WebhookDeliveryView[]>> {
    return page(
      await this.runtime.rpc.call(
        UsageSubjects.webhooks.deliveries,
        { actor, id: pathId(webhookIdSchema, id), page: query },
        webhookDeliveryPageSchema,
      ),
    );
  }

  /** Queues a signed `webhook.test` delivery: 202, the delivery is sent in the background. */
  @Post(':id/test')
  @HttpCode(202)
  @Access({ scope: 'webhooks:write', live: true })
  async test(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
  ): Promise<SuccessEnvelope<WebhookDeliveryView>> {
    return ok(
      await this.runtime.rpc.call(
        UsageSubjects.webhooks.test,
        { actor, id: pathId(webhookIdSchema, id) },
        webhookDeliveryViewSchema,
      ),
    );
  }
}

import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
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
  webhookDeliveryPageSchema,
  webhookDeliveryViewSchema,
  webhookIdSchema,
  webhookPageSchema,
  webhookViewSchema,
} from '@plexmcp/contracts';
import type { z } from 'zod';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { pathId } from '../common/path-id.js';
import { NO_STORE, ok, page } from '../common/envelope.js';
import { PageQuery, ZodValidationPipe } from '../common/zod-validation.pipe.js';
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
  @Header('cache-control', NO_STORE)
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
    @PageQuery() query: PaginationQuery,
  ): Promise<SuccessEnvelope<WebhookView[]>> {
    return page(
      await this.runtime.rpc.call(UsageSubjects.webhooks.list, { actor, page: query }, webhookPageSchema),
    );
  }

  @Delete(':id')
  @Access({ scope: 'webhooks:write', live: true })
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<WebhookView>> {
    return ok(await this.aboutWebhook(UsageSubjects.webhooks.delete, actor, id, webhookViewSchema));
  }

  @Get(':id/deliveries')
  @Access({ scope: 'webhooks:read', live: true })
  async deliveries(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @PageQuery() query: PaginationQuery,
  ): Promise<SuccessEnvelope<WebhookDeliveryView[]>> {
    return page(
      await this.aboutWebhook(UsageSubjects.webhooks.deliveries, actor, id, webhookDeliveryPageSchema, {
        page: query,
      }),
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
    return ok(await this.aboutWebhook(UsageSubjects.webhooks.test, actor, id, webhookDeliveryViewSchema));
  }

  /** A call about the webhook the path names: an id that cannot name one is 404 before any call. */
  private aboutWebhook<T extends z.ZodType>(
    subject: string,
    actor: Actor,
    id: string,
    reply: T,
    extra: { page?: PaginationQuery } = {},
  ): Promise<z.infer<T>> {
    return this.runtime.rpc.call(subject, { actor, id: pathId(webhookIdSchema, id), ...extra }, reply);
  }
}

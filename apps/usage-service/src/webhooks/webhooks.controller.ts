import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CreatedWebhook,
  createWebhookRequestSchema,
  listDeliveriesRequestSchema,
  listWebhooksRequestSchema,
  type Page,
  UsageSubjects,
  webhookByIdRequestSchema,
  type WebhookDeliveryView,
  type WebhookView,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { WebhooksService } from './webhooks.service.js';

@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @MessagePattern(UsageSubjects.webhooks.create)
  create(@Payload() payload: unknown): Promise<CreatedWebhook> {
    return this.webhooks.create(parseRpc(createWebhookRequestSchema, payload));
  }

  @MessagePattern(UsageSubjects.webhooks.list)
  list(@Payload() payload: unknown): Promise<Page<WebhookView>> {
    return this.webhooks.list(parseRpc(listWebhooksRequestSchema, payload));
  }

  @MessagePattern(UsageSubjects.webhooks.delete)
  delete(@Payload() payload: unknown): Promise<WebhookView> {
    return this.webhooks.delete(parseRpc(webhookByIdRequestSchema, payload));
  }

  @MessagePattern(UsageSubjects.webhooks.deliveries)
  deliveries(@Payload() payload: unknown): Promise<Page<WebhookDeliveryView>> {
    return this.webhooks.deliveries(parseRpc(listDeliveriesRequestSchema, payload));
  }

  @MessagePattern(UsageSubjects.webhooks.test)
  test(@Payload() payload: unknown): Promise<WebhookDeliveryView> {
    return this.webhooks.test(parseRpc(webhookByIdRequestSchema, payload));
  }
}

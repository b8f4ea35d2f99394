import { Controller } from '@nestjs/common';
import {
  type CreateWebhookRequest,
  type CreatedWebhook,
  type ListDeliveriesRequest,
  type ListWebhooksRequest,
  type Page,
  UsageSubjects,
  type WebhookByIdRequest,
  type WebhookDeliveryView,
  type WebhookView,
  createWebhookRequestSchema,
  listDeliveriesRequestSchema,
  listWebhooksRequestSchema,
  webhookByIdRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { WebhooksService } from './webhooks.service.js';

@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @RpcHandler(UsageSubjects.webhooks.create, createWebhookRequestSchema)
  create(request: CreateWebhookRequest): Promise<CreatedWebhook> {
    return this.webhooks.create(request);
  }

  @RpcHandler(UsageSubjects.webhooks.list, listWebhooksRequestSchema)
  list(request: ListWebhooksRequest): Promise<Page<WebhookView>> {
    return this.webhooks.list(request);
  }

  @RpcHandler(UsageSubjects.webhooks.delete, webhookByIdRequestSchema)
  delete(request: WebhookByIdRequest): Promise<WebhookView> {
    return this.webhooks.delete(request);
  }

  @RpcHandler(UsageSubjects.webhooks.deliveries, listDeliveriesRequestSchema)
  deliveries(request: ListDeliveriesRequest): Promise<Page<WebhookDeliveryView>> {
    return this.webhooks.deliveries(request);
  }

  @RpcHandler(UsageSubjects.webhooks.test, webhookByIdRequestSchema)
  test(request: WebhookByIdRequest): Promise<WebhookDeliveryView> {
    return this.webhooks.test(request);
  }
}

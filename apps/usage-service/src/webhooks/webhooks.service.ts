import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  type AlertView,
  type CreatedWebhook,
  type CreateWebhookRequest,
  ErrorCode,
  IdPrefix,
  type ListDeliveriesRequest,
  type ListWebhooksRequest,
  type Page,
  type WebhookByIdRequest,
  type WebhookDeliveryView,
  type WebhookView,
  WEBHOOK_EVENT_TYPES,
  type OutboundAddressPolicy,
  newId,
} from '@plexmcp/contracts';
import {
  type SqlExecutor,
  SERVICE_CONFIG,
  checkOutboundUrl,
  decodeCursor,
  rowPosition,
  toPage,
} from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import { webhookAddressPolicy } from './webhook-address-policy.js';
import { alertWebhookBody, testWebhookBody } from './webhook-payloads.js';
import { WebhookSecretCipher } from './webhook-secret-cipher.js';
import { generateWebhookSecret } from './webhook-signature.js';
import {
  type AttemptRow,
  type DeliveryRow,
  type WebhookRow,
  WebhooksRepository,
} from './webhooks.repository.js';

@Injectable()
export class WebhooksService {
  /** Called after a commit that enqueued deliveries, so the dispatcher sends them at once. */
  private wake: () => void = () => undefined;
  private readonly addresses: OutboundAddressPolicy;

  constructor(
    private readonly repository: WebhooksRepository,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    private readonly secrets: WebhookSecretCipher,
  ) {
    this.addresses = webhookAddressPolicy(config);
  }

  onEnqueued(wake: () => void): void {
    this.wake = wake;
  }

  notifyEnqueued(): void {
    this.wake();
  }

  async create(request: CreateWebhookRequest): Promise<CreatedWebhook> {
    await this.assertDeliverable(request.body.url);
    const secret = generateWebhookSecret();
    const id = newId(IdPrefix.Webhook);
    const row = await this.repository.insert({
      id,
      org_id: request.actor.org_id,
      url: request.body.url,
      description: request.body.description ?? null,
      events: [...new Set(request.body.events ?? WEBHOOK_EVENT_TYPES)],
      secret: this.secrets.seal(id, secret),
    });
    return { webhook: toWebhookView(row), secret };
  }

  /**
   * Refuses a URL whose host is, or now resolves to, an address deliveries may not reach (the
   * dispatcher checks the address each connection uses again). A host that does not resolve is
   * refused too, unless private networks are allowed (a receiver on a private network may be
   * named before it exists).
   */
  private async assertDeliverable(rawUrl: string): Promise<void> {
    const invalid = (message: string) =>
      new AppError(ErrorCode.ValidationError, 'Request validation failed', {
        details: [{ field: 'url', message }],
      });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw invalid('must be an http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must be an http(s) URL');
    if (url.username || url.password) throw invalid('must not contain credentials');
    const check = await checkOutboundUrl(url, this.addresses);
    if (check.ok) return;
    switch (check.reason) {
      case 'unresolvable':
        if (this.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS) return;
        throw invalid('host does not resolve');
      case 'forbidden':
        throw invalid('must not point to a link-local or cloud metadata address');
      case 'private':
        throw invalid(
          'must not point to a private or loopback address; allow it with WEBHOOK_ALLOW_PRIVATE_NETWORKS',
        );
    }
  }

  async list(request: ListWebhooksRequest): Promise<Page<WebhookView>> {
    const rows = await this.repository.list(
      request.actor.org_id,
      request.page.limit + 1,
      decodeCursor(request.page.cursor, 'cursor'),
    );
    return toPage(rows, request.page.limit, toWebhookView, rowPosition);
  }

  async delete(request: WebhookByIdRequest): Promise<WebhookView> {
    const row = await this.repository.delete(request.actor.org_id, request.id);
    if (!row) throw new AppError(ErrorCode.NotFound);
    return toWebhookView(row);
  }

  async deliveries(request: ListDeliveriesRequest): Promise<Page<WebhookDeliveryView>> {
    const webhook = await this.repository.find(request.actor.org_id, request.id);
    if (!webhook) throw new AppError(ErrorCode.NotFound);
    const rows = await this.repository.deliveries(
      webhook.id,
      request.page.limit + 1,
      decodeCursor(request.page.cursor, 'cursor'),
    );
    const shown = rows.slice(0, request.page.limit);
    const attempts = groupAttempts(await this.repository.attempts(shown.map((r) => r.id)));
    return toPage(rows, request.page.limit, (r) => toDeliveryView(r, attempts.get(r.id) ?? []), rowPosition);
  }

  /** Queues a signed `webhook.test` delivery; a success re-enables a disabled endpoint. */
  async test(request: WebhookByIdRequest): Promise<WebhookDeliveryView> {
    const webhook = await this.repository.find(request.actor.org_id, request.id);
    if (!webhook) throw new AppError(ErrorCode.NotFound);
    const id = newId(IdPrefix.WebhookDelivery);
    const { eventType, body } = testWebhookBody(webhook.id, new Date());
    await this.repository.insertDeliveries([
      { id, webhookId: webhook.id, orgId: webhook.org_id, eventType, body },
    ]);
    this.notifyEnqueued();
    const row = await this.repository.findDelivery(id);
    return toDeliveryView(row!, []);
  }

  /**
   * Inside the transaction that stores an alert: one delivery per subscribed, enabled endpoint.
   * The body is fixed here, so every retry sends identical bytes under the same `webhook-id`.
   */
  async enqueueAlert(sql: SqlExecutor, alert: AlertView): Promise<number> {
    const { eventType, body } = alertWebhookBody(alert);
    const endpoints = await this.repository.subscribers(sql, alert.organization_id, eventType);
    if (endpoints.length === 0) return 0;
    await this.repository.insertDeliveries(
      endpoints.map((w) => ({
        id: newId(IdPrefix.WebhookDelivery),
        webhookId: w.id,
        orgId: w.org_id,
        eventType,
        body,
      })),
      sql,
    );
    return endpoints.length;
  }
}

function groupAttempts(rows: AttemptRow[]): Map<string, AttemptRow[]> {
  const map = new Map<string, AttemptRow[]>();
  for (const r of rows) {
    const list = map.get(r.delivery_id) ?? [];
    list.push(r);
    map.set(r.delivery_id, list);
  }
  return map;
}

export function toWebhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    object: 'webhook',
    organization_id: row.org_id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookView['events'],
    status: row.status,
    disabled_reason: row.disabled_reason,
    created_at: row.created_at.toISOString(),
  };
}

function toDeliveryView(row: DeliveryRow, attempts: AttemptRow[]): WebhookDeliveryView {
  return {
    id: row.id,
    object: 'webhook_delivery',
    webhook_id: row.webhook_id,
    message_id: row.id,
    event_type: row.event_type,
    status: row.status,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      attempted_at: a.attempted_at.toISOString(),
      status_code: a.status_code,
      error: a.error,
      duration_ms: a.duration_ms,
    })),
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    completed_at: row.completed_at?.toISOString() ?? null,
  };
}

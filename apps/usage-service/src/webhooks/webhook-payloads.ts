import {
  type AlertView,
  type AlertWebhookPayload,
  alertWebhookPayloadSchema,
  type TestWebhookPayload,
  testWebhookPayloadSchema,
} from '@plexmcp/contracts';

/**
 * The bodies webhook endpoints receive, built from the contract schemas (typed by them and checked
 * against them), so a payload cannot drift from what the contracts and the docs describe.
 */
export interface WebhookBody {
  /** Stored with the delivery; also the payload's `type`. */
  eventType: AlertWebhookPayload['type'] | TestWebhookPayload['type'];
  /** The exact bytes sent (and signed) on every attempt. */
  body: string;
}

/** `{"type": "alert.<type>", "timestamp": <created_at>, "data": {…alert}}`. */
export function alertWebhookBody(alert: AlertView): WebhookBody {
  const payload: AlertWebhookPayload = alertWebhookPayloadSchema.parse({
    type: `alert.${alert.type}`,
    timestamp: alert.created_at,
    data: alert,
  } satisfies AlertWebhookPayload);
  return { eventType: payload.type, body: JSON.stringify(payload) };
}

/** `{"type": "webhook.test", "timestamp": <now>, "data": {"webhook_id", "message"}}`. */
export function testWebhookBody(webhookId: string, now: Date): WebhookBody {
  const payload: TestWebhookPayload = testWebhookPayloadSchema.parse({
    type: 'webhook.test',
    timestamp: now.toISOString(),
    data: { webhook_id: webhookId, message: 'This is a test delivery from PlexMCP.' },
  } satisfies TestWebhookPayload);
  return { eventType: payload.type, body: JSON.stringify(payload) };
}

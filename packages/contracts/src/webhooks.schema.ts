import { z } from 'zod';
import {
  actorRequestSchema,
  isoDateSchema,
  type ListRequest,
  listRequestSchema,
  noControlOrSpace,
  noNul,
  orgIdSchema,
  pageSchema,
  paginationQuerySchema,
} from './common.schema.js';
import { alertViewSchema } from './alerts.schema.js';
import { IdPrefix, idPattern } from './ids.js';
import { type ALERT_TYPES, WEBHOOK_EVENT_TYPES } from './vocabulary.js';

export { WEBHOOK_EVENT_TYPES };
export const webhookEventTypeSchema = z.enum(
  WEBHOOK_EVENT_TYPES as [`alert.${(typeof ALERT_TYPES)[number]}`],
);

export const webhookIdSchema = z.string().regex(idPattern(IdPrefix.Webhook), 'must be a webhook id (wh_…)');
export const webhookDeliveryIdSchema = z
  .string()
  .regex(idPattern(IdPrefix.WebhookDelivery), 'must be a webhook delivery id (whd_…)');

/** Public body of POST /v1/webhooks. `events` defaults to every alert type. */
export const createWebhookBodySchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .max(2048)
    .check(noControlOrSpace),
  events: z.array(webhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
  description: z.string().trim().max(200).check(noNul).optional(),
});
export type CreateWebhookBody = z.infer<typeof createWebhookBodySchema>;

export const webhookViewSchema = z.object({
  id: webhookIdSchema,
  object: z.literal('webhook'),
  organization_id: orgIdSchema,
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(webhookEventTypeSchema),
  status: z.enum(['enabled', 'disabled']),
  disabled_reason: z.string().nullable(),
  created_at: isoDateSchema,
});
export type WebhookView = z.infer<typeof webhookViewSchema>;

/** The signing secret (`whsec_` + base64 of 32 random bytes) is returned here and never again. */
export const createdWebhookSchema = z.object({ webhook: webhookViewSchema, secret: z.string() });
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

export const createWebhookRequestSchema = actorRequestSchema({ body: createWebhookBodySchema });
export type CreateWebhookRequest = z.infer<typeof createWebhookRequestSchema>;

export const listWebhooksRequestSchema = listRequestSchema;
export type ListWebhooksRequest = ListRequest;
export const webhookPageSchema = pageSchema(webhookViewSchema);

/** Used by delete (replies with the deleted webhook) and test (replies with the queued delivery). */
export const webhookByIdRequestSchema = actorRequestSchema({ id: webhookIdSchema });
export type WebhookByIdRequest = z.infer<typeof webhookByIdRequestSchema>;

export const webhookAttemptSchema = z.object({
  attempt: z.number().int(),
  attempted_at: isoDateSchema,
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
});

export const webhookDeliveryViewSchema = z.object({
  id: webhookDeliveryIdSchema,
  object: z.literal('webhook_delivery'),
  webhook_id: webhookIdSchema,
  /** The Standard Webhooks `webhook-id` header: the same on every retry of this delivery. */
  message_id: z.string(),
  event_type: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.array(webhookAttemptSchema),
  next_attempt_at: isoDateSchema.nullable(),
  created_at: isoDateSchema,
  completed_at: isoDateSchema.nullable(),
});
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryViewSchema>;

export const listDeliveriesRequestSchema = actorRequestSchema({
  id: webhookIdSchema,
  page: paginationQuerySchema,
});
export type ListDeliveriesRequest = z.infer<typeof listDeliveriesRequestSchema>;
export const webhookDeliveryPageSchema = pageSchema(webhookDeliveryViewSchema);

/** Body delivered to an endpoint: `{"type": "alert.new_location", "timestamp": …, "data": {…alert}}`. */
export const alertWebhookPayloadSchema = z.object({
  type: webhookEventTypeSchema,
  timestamp: isoDateSchema,
  data: alertViewSchema,
});
export type AlertWebhookPayload = z.infer<typeof alertWebhookPayloadSchema>;
/** Body of the delivery queued by POST /v1/webhooks/{id}/test. */
export const testWebhookPayloadSchema = z.object({
  type: z.literal('webhook.test'),
  timestamp: isoDateSchema,
  data: z.object({ webhook_id: webhookIdSchema, message: z.string() }),
});
export type TestWebhookPayload = z.infer<typeof testWebhookPayloadSchema>;

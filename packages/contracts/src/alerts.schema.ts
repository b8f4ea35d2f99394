import { z } from 'zod';
import {
  actorRequestSchema,
  isoDateSchema,
  keyIdSchema,
  orgIdSchema,
  pageSchema,
  paginationQuerySchema,
} from './common.schema.js';
import { IdPrefix, idPattern } from './ids.js';
import { ALERT_TYPES } from './vocabulary.js';

export { ALERT_TYPES };
export const alertTypeSchema = z.enum(ALERT_TYPES);
export type AlertType = z.infer<typeof alertTypeSchema>;

export const ALERT_STATUSES = ['open', 'acknowledged'] as const;
export const alertStatusSchema = z.enum(ALERT_STATUSES);
export type AlertStatus = z.infer<typeof alertStatusSchema>;

export const alertIdSchema = z.string().regex(idPattern(IdPrefix.Alert), 'must be an alert id (alert_…)');

/**
 * An anomaly raised for one key. `details` depends on the type: `new_location` has `country` and
 * `known_countries`; `error_spike` has `window_requests`, `window_errors`, `error_rate`,
 * `baseline_error_rate`; `request_spike` has `window_requests_per_minute`,
 * `baseline_requests_per_minute`; `key_expiring` has `expires_at`.
 */
export const alertViewSchema = z.object({
  id: alertIdSchema,
  object: z.literal('alert'),
  organization_id: orgIdSchema,
  key_id: keyIdSchema,
  type: alertTypeSchema,
  status: alertStatusSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  created_at: isoDateSchema,
  acknowledged_at: isoDateSchema.nullable(),
});
export type AlertView = z.infer<typeof alertViewSchema>;

/** Query string of GET /v1/alerts. */
export const listAlertsQuerySchema = paginationQuerySchema.extend({
  status: alertStatusSchema.optional(),
  type: alertTypeSchema.optional(),
  key_id: keyIdSchema.optional(),
});
export type ListAlertsQuery = z.infer<typeof listAlertsQuerySchema>;

export const listAlertsRequestSchema = actorRequestSchema({ query: listAlertsQuerySchema });
export type ListAlertsRequest = z.infer<typeof listAlertsRequestSchema>;
export const alertPageSchema = pageSchema(alertViewSchema);

/** Acknowledging an already acknowledged alert is a no-op that returns it unchanged. */
export const ackAlertRequestSchema = actorRequestSchema({ id: alertIdSchema });
export type AckAlertRequest = z.infer<typeof ackAlertRequestSchema>;

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

// ---- per-organization anomaly thresholds (GET/PUT /v1/alerts/thresholds) ---------------------

/**
 * The thresholds of `error_spike` and `request_spike` an organization may set for its own keys
 * (the window and baseline lengths stay service-wide: ANOMALY_WINDOW_MINUTES, ANOMALY_BASELINE_HOURS).
 */
export const alertThresholdsSchema = z.object({
  error_min_requests: z.number().int().min(1).max(1_000_000),
  error_min_rate: z.number().min(0).max(1),
  error_baseline_factor: z.number().min(1).max(1000),
  request_spike_factor: z.number().min(1).max(1000),
  request_min_per_minute: z.number().int().min(1).max(10_000_000),
  request_min_baseline_minutes: z.number().int().min(0).max(100_000),
});
export type AlertThresholds = z.infer<typeof alertThresholdsSchema>;

/** Body of PUT /v1/alerts/thresholds: each field set overrides the default, `null` restores it. */
export const updateAlertThresholdsBodySchema = z
  .strictObject(
    Object.fromEntries(
      Object.entries(alertThresholdsSchema.shape).map(([name, schema]) => [
        name,
        schema.nullable().optional(),
      ]),
    ) as {
      [K in keyof AlertThresholds]: z.ZodOptional<z.ZodNullable<(typeof alertThresholdsSchema.shape)[K]>>;
    },
  )
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type UpdateAlertThresholdsBody = z.infer<typeof updateAlertThresholdsBodySchema>;

export const alertThresholdsViewSchema = z.object({
  object: z.literal('alert_thresholds'),
  organization_id: orgIdSchema,
  /** What applies to the organization's keys now. */
  thresholds: alertThresholdsSchema,
  /** The organization's own values; the others are the service defaults. */
  overrides: alertThresholdsSchema.partial(),
});
export type AlertThresholdsView = z.infer<typeof alertThresholdsViewSchema>;

export const getAlertThresholdsRequestSchema = actorRequestSchema({});
export type GetAlertThresholdsRequest = z.infer<typeof getAlertThresholdsRequestSchema>;
export const setAlertThresholdsRequestSchema = actorRequestSchema({ body: updateAlertThresholdsBodySchema });
export type SetAlertThresholdsRequest = z.infer<typeof setAlertThresholdsRequestSchema>;

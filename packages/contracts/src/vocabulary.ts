/**
 * Closed lists of wire names, with no import at all: the dashboard's browser bundle takes them as
 * values from `@plexmcp/contracts/vocabulary` without the schema library. The schemas build on them.
 */

/** Every scope a key may hold. */
export const Scope = [
  'keys:read',
  'keys:write',
  'mcps:read',
  'mcps:write',
  'usage:read',
  'alerts:read',
  'alerts:write',
  'webhooks:read',
  'webhooks:write',
] as const;
export type Scope = (typeof Scope)[number];

export const ALERT_TYPES = ['error_spike', 'new_location', 'request_spike', 'key_expiring'] as const;

/** Event types a webhook may subscribe to; `webhook.test` is only sent by the test call. */
export const WEBHOOK_EVENT_TYPES = ALERT_TYPES.map((t) => `alert.${t}` as const);

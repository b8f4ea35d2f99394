// Shapes of the gateway's JSON (snake_case, as on the wire), from @plexmcp/contracts. Type-only
// imports: the browser bundle carries no schema library. The two value lists the forms need are
// written here and checked against the contract types at compile time.
import type { AlertType, KeyMode, Scope, UsageReply } from '@plexmcp/contracts';

export type {
  AlertType,
  AlertView as Alert,
  ApiKeyView as ApiKey,
  McpView as Mcp,
  Scope,
  SessionView as Session,
  UsageLimit,
  UsageReply as Usage,
  WebhookDeliveryView as WebhookDelivery,
  WebhookView as Webhook,
} from '@plexmcp/contracts';

export type Mode = KeyMode;
export type Granularity = UsageReply['granularity'];

/** Every scope, in the order the key form lists them. */
export const SCOPES = [
  'keys:read',
  'keys:write',
  'mcps:read',
  'mcps:write',
  'usage:read',
  'alerts:read',
  'alerts:write',
  'webhooks:read',
  'webhooks:write',
] as const satisfies readonly Scope[];

/** Every event a webhook may subscribe to. */
export const WEBHOOK_EVENTS = [
  'alert.error_spike',
  'alert.new_location',
  'alert.request_spike',
  'alert.key_expiring',
] as const satisfies readonly `alert.${AlertType}`[];

// Compile-time proof that the lists above name every scope and every alert type.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : Exclude<All, Listed>;
const scopesComplete: Missing<Scope, (typeof SCOPES)[number]> = true;
const eventsComplete: Missing<`alert.${AlertType}`, (typeof WEBHOOK_EVENTS)[number]> = true;
void scopesComplete;
void eventsComplete;

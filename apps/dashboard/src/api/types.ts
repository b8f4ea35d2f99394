// Shapes of the gateway's JSON (snake_case, as on the wire), from @plexmcp/contracts: types only,
// so the browser bundle carries no schema library; the value lists the forms need come from
// `@plexmcp/contracts/vocabulary`, which imports nothing.
import type { KeyMode, UsageReply } from '@plexmcp/contracts';

export type {
  AlertThresholds,
  AlertThresholdsView,
  AlertType,
  AlertView as Alert,
  ApiKeyView as ApiKey,
  AuditEntry,
  InvitationPreview,
  InvitationView as Invitation,
  MemberView as Member,
  Role,
  McpView as Mcp,
  OrganizationView as Organization,
  RateLimit,
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
export { Scope as SCOPES } from '@plexmcp/contracts/vocabulary';
/** Every event a webhook may subscribe to. */
export { WEBHOOK_EVENT_TYPES as WEBHOOK_EVENTS } from '@plexmcp/contracts/vocabulary';
/** Every action the audit log records, in the order the Audit page's filter lists them. */
export { AUDIT_ACTIONS } from '@plexmcp/contracts/vocabulary';
/** Every role a person may hold, strongest first. */
export { ROLES } from '@plexmcp/contracts/vocabulary';

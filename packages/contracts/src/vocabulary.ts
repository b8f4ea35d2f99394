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

export const ALERT_TYPES = [
  'error_spike',
  'new_location',
  'request_spike',
  'key_expiring',
  'key_leaked',
] as const;

/** Event types a webhook may subscribe to; `webhook.test` is only sent by the test call. */
export const WEBHOOK_EVENT_TYPES = ALERT_TYPES.map((t) => `alert.${t}` as const);

/**
 * A person's role in an organization, strongest first: `owner` (everything, organization settings,
 * members who are owners), `admin` (keys, MCPs, webhooks, members except owners), `developer`
 * (keys within their own grant, reads usage and alerts), `viewer` (reads only).
 */
export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The actions the management audit log records (`GET /v1/audit?action=…`). */
export const AUDIT_ACTIONS = [
  'key.created',
  'key.updated',
  'key.rotated',
  'key.revoked',
  'mcp.created',
  'mcp.updated',
  'mcp.deleted',
  'organization.created',
  'organization.updated',
  'member.role_changed',
  'member.removed',
  'invitation.created',
  'invitation.revoked',
  'invitation.accepted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

import type { KeyPolicy } from './keys.schema.js';

/**
 * What the dashboard learns about its session (GET/POST `/dashboard/api/session`): the signed-in key's grant
 * and the session's limits. Sent by the gateway, read by the dashboard.
 */
export interface SessionView {
  key_id: string;
  organization_id: string;
  prefix: string;
  last4: string;
  mode: KeyPolicy['mode'];
  scopes: KeyPolicy['scopes'];
  permissions: KeyPolicy['permissions'];
  usage_limit: KeyPolicy['usage_limit'];
  org_monthly_limit: number | null;
  key_expires_at: string;
  session_expires_at: string;
  /** Send back in `X-CSRF-Token` on every state-changing request. */
  csrf_token: string;
}

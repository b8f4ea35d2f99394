import type { AccountView } from './identity.schema.js';
import type { KeyPolicy } from './keys.schema.js';

/**
 * What the dashboard learns about its session (GET/POST `/dashboard/api/session`): its grant (the
 * signed-in person's role, or the key's) and the session's limits. Sent by the gateway, read by the dashboard.
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
  /**
   * A person's session: who, in which organization, with which role (and the organizations they
   * may switch to). Null for a session opened with an admin key (`DASHBOARD_KEY_SIGN_IN`); then
   * `key_id`, `prefix` and `last4` name that key, otherwise `key_id` is the session's id.
   */
  account: AccountView | null;
}

import { CidrList } from './cidr.js';
import type { Scope } from './common.schema.js';
import type { KeyPolicy, ValidationStatus } from './keys.schema.js';

/**
 * The one authorization decision, shared by the gateway (hot path) and the key-service's tests so
 * the two cannot drift. Pure: no I/O, no clock reads (the caller passes `now`).
 */
export type DecisionTarget =
  | { kind: 'authenticated' }
  | { kind: 'scope'; scope: Scope }
  | { kind: 'mcp'; mcp: { id: string; org_id: string; mode: 'live' | 'test' } };

export type DenyReason =
  | 'unknown_key'
  | 'revoked'
  | 'expired'
  | 'org_suspended'
  | 'ip_not_allowed'
  | 'missing_scope'
  | 'mcp_not_permitted'
  | 'test_key_on_live_mcp';

export type Decision =
  { allow: true } | { allow: false; status: 401 | 403 | 404; reason: DenyReason; message?: string };

export interface DecisionInput {
  status: ValidationStatus;
  policy: KeyPolicy | null;
  target: DecisionTarget;
  clientIp: string | null;
  now: number;
}

const allowlistCache = new WeakMap<readonly string[], CidrList>();

function ipAllowed(allowlist: readonly string[] | null, ip: string | null): boolean {
  if (!allowlist || allowlist.length === 0) return true;
  if (!ip) return false;
  let list = allowlistCache.get(allowlist);
  if (!list) {
    list = new CidrList(allowlist);
    allowlistCache.set(allowlist, list);
  }
  return list.matches(ip);
}

export function decide({ status, policy, target, clientIp, now }: DecisionInput): Decision {
  if (status === 'unknown' || !policy) return { allow: false, status: 401, reason: 'unknown_key' };
  if (status === 'revoked')
    return { allow: false, status: 401, reason: 'revoked', message: 'API key has been revoked' };
  if (status === 'expired' || Date.parse(policy.expires_at) <= now) {
    return { allow: false, status: 401, reason: 'expired', message: 'API key has expired' };
  }
  if (status === 'org_suspended') return { allow: false, status: 403, reason: 'org_suspended' };
  if (!ipAllowed(policy.ip_allowlist, clientIp))
    return { allow: false, status: 403, reason: 'ip_not_allowed' };

  switch (target.kind) {
    case 'authenticated':
      return { allow: true };
    case 'scope':
      return policy.scopes.includes(target.scope)
        ? { allow: true }
        : { allow: false, status: 403, reason: 'missing_scope' };
    case 'mcp': {
      const { mcp } = target;
      // Another organization's MCP does not exist for this key.
      if (mcp.org_id !== policy.org_id) return { allow: false, status: 404, reason: 'mcp_not_permitted' };
      const listed = policy.permissions.mcps === '*' || policy.permissions.mcps.includes(mcp.id);
      if (!listed) return { allow: false, status: 403, reason: 'mcp_not_permitted' };
      if (policy.mode === 'test' && mcp.mode === 'live') {
        return { allow: false, status: 403, reason: 'test_key_on_live_mcp' };
      }
      return { allow: true };
    }
  }
}

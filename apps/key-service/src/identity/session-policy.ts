import { type KeyPolicy, type ValidateKeyReply, roleGrant } from '@plexmcp/contracts';
import type { SessionRow } from './identity.repository.js';

/**
 * A dashboard session as the gateway's key authority sees it: the same reply as `keys.validate`
 * gives for a key, its grant being the member's role in the session's organization. So a person
 * and a key go through one `decide()`; a session whose member left the organization is revoked.
 */
export function toSessionReply(row: SessionRow | null, now: Date): ValidateKeyReply {
  if (row === null) return { status: 'unknown', policy: null };
  if (row.role === null) return { status: 'revoked', policy: null };
  const grant = roleGrant(row.role, row.expiresAt.toISOString());
  const policy: KeyPolicy = {
    key_id: row.id,
    org_id: row.orgId,
    mode: grant.mode,
    permissions: grant.permissions,
    scopes: [...grant.scopes],
    rate_limit: null,
    usage_limit: null,
    expires_at: grant.expires_at,
    ip_allowlist: row.orgIpAllowlist,
    org_monthly_limit: row.orgMonthlyLimit,
    user: { user_id: row.userId, session_id: row.id, role: row.role },
  };
  if (row.revokedAt !== null) return { status: 'revoked', policy };
  if (row.expiresAt.getTime() <= now.getTime()) return { status: 'expired', policy };
  if (row.orgStatus === 'suspended') return { status: 'org_suspended', policy };
  return { status: 'active', policy };
}

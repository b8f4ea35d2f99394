import { describe, expect, it } from '@jest/globals';
import { ROLE_SCOPES, decide, isOrgAdminGrant } from '@plexmcp/contracts';
import type { SessionRow } from './identity.repository.js';
import { toSessionReply } from './session-policy.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const row = (over: Partial<SessionRow> = {}): SessionRow => ({
  id: 'ses_AAAAAAAAAAAAAAAAAAAAAA',
  userId: 'usr_AAAAAAAAAAAAAAAAAAAAAA',
  orgId: 'org_AAAAAAAAAAAAAAAAAAAAAA',
  expiresAt: new Date(NOW.getTime() + 3_600_000),
  revokedAt: null,
  role: 'viewer',
  orgStatus: 'active',
  orgIpAllowlist: null,
  orgMonthlyLimit: null,
  ...over,
});

describe('a session as a policy', () => {
  it("grants the member's role: owners and admins an admin grant, viewers reads only", () => {
    for (const role of ['owner', 'admin'] as const) {
      const { policy } = toSessionReply(row({ role }), NOW);
      expect(isOrgAdminGrant(policy!)).toBe(true);
    }
    const viewer = toSessionReply(row(), NOW).policy!;
    expect(viewer.scopes).toEqual(ROLE_SCOPES.viewer);
    expect(viewer.user).toEqual({ user_id: row().userId, session_id: row().id, role: 'viewer' });
    const write = decide({
      status: 'active',
      policy: viewer,
      target: { kind: 'key.manage', key: null, next: null },
      clientIp: null,
      now: NOW.getTime(),
    });
    expect(write).toMatchObject({ allow: false, status: 403, reason: 'missing_scope' });
  });

  it('is revoked, expired, suspended or unknown as its session and organization are', () => {
    expect(toSessionReply(null, NOW).status).toBe('unknown');
    expect(toSessionReply(row({ revokedAt: NOW }), NOW).status).toBe('revoked');
    expect(toSessionReply(row({ role: null }), NOW).status).toBe('revoked');
    expect(toSessionReply(row({ expiresAt: NOW }), NOW).status).toBe('expired');
    expect(toSessionReply(row({ orgStatus: 'suspended' }), NOW).status).toBe('org_suspended');
    expect(toSessionReply(row({ orgIpAllowlist: ['10.0.0.0/8'] }), NOW).policy!.ip_allowlist).toEqual([
      '10.0.0.0/8',
    ]);
  });

  it('lets a person issue keys beyond their session, up to the one-year maximum, within their scopes', () => {
    const developer = toSessionReply(row({ role: 'developer' }), NOW).policy!;
    const key = (scopes: string[]) => ({
      org_id: developer.org_id,
      mode: 'live' as const,
      permissions: { mcps: '*' as const },
      scopes: scopes as never,
      rate_limit: null,
      usage_limit: null,
      expires_at: new Date(NOW.getTime() + 90 * 86_400_000).toISOString(),
    });
    const verdict = (scopes: string[]) =>
      decide({
        status: 'active',
        policy: developer,
        target: { kind: 'key.manage', key: null, next: key(scopes) },
        clientIp: null,
        now: NOW.getTime(),
      });
    expect(verdict(['keys:read', 'usage:read'])).toEqual({ allow: true });
    expect(verdict(['mcps:write'])).toMatchObject({ allow: false, reason: 'grant_not_covered' });
  });
});

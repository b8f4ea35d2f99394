import { describe, expect, it } from '@jest/globals';
import { decide } from './decision.js';
import { ROLE_SCOPES, grantableExpiry, roleAtLeast, roleGrant } from './grant.js';
import type { KeyPolicy } from './keys.schema.js';
import type { Role } from './vocabulary.js';

const NOW = Date.UTC(2026, 5, 1);
const ORG = 'org_AAAAAAAAAAAAAAAAAAAAAA';

function person(role: Role): KeyPolicy {
  const grant = roleGrant(role, new Date(NOW + 3_600_000).toISOString());
  return {
    mode: grant.mode,
    permissions: grant.permissions,
    rate_limit: grant.rate_limit,
    usage_limit: grant.usage_limit,
    expires_at: grant.expires_at,
    scopes: [...grant.scopes],
    key_id: 'ses_AAAAAAAAAAAAAAAAAAAAAA',
    org_id: ORG,
    ip_allowlist: null,
    key_ip_allowlist: null,
    org_monthly_limit: null,
    user: { user_id: 'usr_AAAAAAAAAAAAAAAAAAAAAA', session_id: 'ses_AAAAAAAAAAAAAAAAAAAAAA', role },
  };
}

describe('roles', () => {
  it('rank owner > admin > developer > viewer', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'owner')).toBe(false);
    expect(roleAtLeast('viewer', 'developer')).toBe(false);
  });

  it('give viewers no write scope and developers no MCP, alert or webhook writes', () => {
    expect(ROLE_SCOPES.viewer.filter((s) => s.endsWith(':write'))).toEqual([]);
    expect(ROLE_SCOPES.developer.filter((s) => s.endsWith(':write'))).toEqual(['keys:write']);
  });

  it("decide a 'role' target on the person's role; an API key never passes one", () => {
    const target = { kind: 'role', role: 'owner' } as const;
    const run = (policy: KeyPolicy) => decide({ status: 'active', policy, target, clientIp: null, now: NOW });
    expect(run(person('owner'))).toEqual({ allow: true });
    expect(run(person('admin'))).toMatchObject({ allow: false, status: 403, reason: 'role_required' });
    const key: KeyPolicy = { ...person('owner'), key_id: 'key_AAAAAAAAAAAAAAAAAAAAAA', user: null };
    expect(run(key)).toMatchObject({ allow: false, reason: 'role_required' });
  });

  it('let a person issue keys up to the one-year maximum, past their session', () => {
    const year = grantableExpiry(person('developer'), NOW);
    expect(year - NOW).toBeGreaterThan(364 * 86_400_000);
  });
});

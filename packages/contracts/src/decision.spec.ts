import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ALL_SCOPES, type Scope } from './common.schema.js';
import { type DecisionTarget, decide } from './decision.js';
import { type KeyGrant, type KeyRef, coverageGap, grantableExpiry, isOrgAdminGrant } from './grant.js';
import { type KeyPolicy, permissionsSchema } from './keys.schema.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const DAY = 86_400_000;
const ORG = 'org_0000000000000000000001';
const MCP_A = 'mcp_000000000000000000000a';
const MCP_B = 'mcp_000000000000000000000b';

const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy => ({
  key_id: 'key_0000000000000000000001',
  org_id: ORG,
  mode: 'live',
  permissions: { mcps: '*' },
  scopes: [...ALL_SCOPES],
  rate_limit: null,
  usage_limit: null,
  expires_at: new Date(NOW + 90 * DAY).toISOString(),
  ip_allowlist: null,
  org_monthly_limit: null,
  ...over,
});

const key = (over: Partial<KeyRef> = {}): KeyRef => ({
  org_id: ORG,
  mode: 'live',
  permissions: { mcps: [MCP_A] },
  scopes: [],
  rate_limit: null,
  usage_limit: null,
  expires_at: new Date(NOW + 30 * DAY).toISOString(),
  ...over,
});

const run = (caller: KeyPolicy, target: DecisionTarget, clientIp: string | null = null) =>
  decide({ status: 'active', policy: caller, target, clientIp, now: NOW });

const narrow = policy({
  permissions: { mcps: [MCP_A] },
  scopes: ['keys:read', 'keys:write', 'mcps:write'],
  expires_at: new Date(NOW + 30 * DAY).toISOString(),
  rate_limit: { requests_per_second: 5, burst: 10 },
  usage_limit: { requests: 1000, period: 'day' },
});

describe('decide: the key itself', () => {
  it('refuses unknown, revoked, expired keys with 401 and suspended orgs or foreign IPs with 403', () => {
    const target: DecisionTarget = { kind: 'authenticated' };
    expect(decide({ status: 'unknown', policy: null, target, clientIp: null, now: NOW })).toMatchObject({
      allow: false,
      status: 401,
    });
    expect(decide({ status: 'revoked', policy: policy(), target, clientIp: null, now: NOW })).toMatchObject({
      status: 401,
      reason: 'revoked',
    });
    const lapsed = policy({ expires_at: new Date(NOW).toISOString() });
    expect(run(lapsed, target)).toMatchObject({ status: 401, reason: 'expired' });
    expect(
      decide({ status: 'org_suspended', policy: policy(), target, clientIp: null, now: NOW }),
    ).toMatchObject({ status: 403, reason: 'org_suspended' });
    const walled = policy({ ip_allowlist: ['10.0.0.0/8'] });
    expect(run(walled, target, '10.1.1.1')).toEqual({ allow: true });
    expect(run(walled, target, '192.0.2.1')).toMatchObject({ status: 403, reason: 'ip_not_allowed' });
    // No known address is no pass.
    expect(run(walled, target, null)).toMatchObject({ status: 403, reason: 'ip_not_allowed' });
  });
});

describe('decide: every target kind', () => {
  // A Record over the kinds: a new kind of target does not compile until it is listed here.
  const everyKind: Record<DecisionTarget['kind'], DecisionTarget> = {
    authenticated: { kind: 'authenticated' },
    scope: { kind: 'scope', scope: 'keys:read', live: true },
    mcp: { kind: 'mcp', mcp: { id: MCP_A, org_id: ORG, mode: 'live' } },
    'mcp.manage': { kind: 'mcp.manage', mcp: null, mode: 'live' },
    'mcp.tool': { kind: 'mcp.tool', mcp: { id: MCP_A, org_id: ORG, mode: 'live' }, tool: 'search' },
    'key.read': { kind: 'key.read', key: { org_id: ORG, mode: 'live' } },
    'key.manage': { kind: 'key.manage', key: key(), next: key({ scopes: ['keys:read'] }) },
    role: { kind: 'role', role: 'admin' },
  };

  it('the organization admin key may act on each (but what only people may); a key that is not active on none', () => {
    expect(run(policy(), everyKind.role)).toMatchObject({
      allow: false,
      status: 403,
      reason: 'role_required',
    });
    for (const target of Object.values(everyKind).filter((t) => t.kind !== 'role')) {
      expect({ kind: target.kind, verdict: run(policy(), target) }).toEqual({
        kind: target.kind,
        verdict: { allow: true },
      });
      for (const status of ['unknown', 'revoked', 'expired', 'org_suspended'] as const) {
        const verdict = decide({ status, policy: policy(), target, clientIp: null, now: NOW });
        expect({ kind: target.kind, status, allow: verdict.allow }).toEqual({
          kind: target.kind,
          status,
          allow: false,
        });
      }
    }
  });
});

describe('decide: routes and targets', () => {
  it('a scope route needs the scope; a live-data route refuses test keys', () => {
    expect(run(policy({ scopes: [] }), { kind: 'scope', scope: 'usage:read' })).toMatchObject({
      status: 403,
      reason: 'missing_scope',
    });
    const tester = policy({ mode: 'test' });
    expect(run(tester, { kind: 'scope', scope: 'usage:read' })).toEqual({ allow: true });
    expect(run(tester, { kind: 'scope', scope: 'usage:read', live: true })).toMatchObject({
      status: 403,
      reason: 'test_key_on_live_resource',
    });
  });

  it('an MCP is used only when listed, in the same org, and never live with a test key', () => {
    const mcp = { id: MCP_A, org_id: ORG, mode: 'live' as const };
    expect(run(narrow, { kind: 'mcp', mcp })).toEqual({ allow: true });
    expect(run(narrow, { kind: 'mcp', mcp: { ...mcp, id: MCP_B } })).toMatchObject({ status: 403 });
    expect(run(narrow, { kind: 'mcp', mcp: { ...mcp, org_id: 'org_0000000000000000000002' } })).toMatchObject(
      { status: 404 },
    );
    expect(run(policy({ mode: 'test' }), { kind: 'mcp', mcp })).toMatchObject({
      status: 403,
      reason: 'test_key_on_live_mcp',
    });
  });

  it('managing MCPs: a new one needs every MCP; a listed one can be changed; test keys keep to test MCPs', () => {
    const mcpA = { id: MCP_A, org_id: ORG, mode: 'live' as const };
    expect(run(narrow, { kind: 'mcp.manage', mcp: null, mode: 'live' })).toMatchObject({ status: 403 });
    expect(run(narrow, { kind: 'mcp.manage', mcp: mcpA, mode: 'live' })).toEqual({ allow: true });
    expect(run(narrow, { kind: 'mcp.manage', mcp: { ...mcpA, id: MCP_B }, mode: 'live' })).toMatchObject({
      status: 403,
    });
    expect(run(policy(), { kind: 'mcp.manage', mcp: null, mode: 'live' })).toEqual({ allow: true });
    const tester = policy({ mode: 'test' });
    expect(run(tester, { kind: 'mcp.manage', mcp: null, mode: 'test' })).toEqual({ allow: true });
    expect(run(tester, { kind: 'mcp.manage', mcp: null, mode: 'live' })).toMatchObject({ status: 403 });
    const testMcp = { ...mcpA, mode: 'test' as const };
    expect(run(tester, { kind: 'mcp.manage', mcp: testMcp, mode: 'live' })).toMatchObject({ status: 403 });
    expect(run(policy({ scopes: [] }), { kind: 'mcp.manage', mcp: mcpA, mode: 'live' })).toMatchObject({
      reason: 'missing_scope',
    });
  });

  it('reading a key: same org, and a test key reads test keys only', () => {
    expect(
      run(policy({ mode: 'test' }), { kind: 'key.read', key: { org_id: ORG, mode: 'live' } }),
    ).toMatchObject({ status: 403 });
    expect(run(policy({ mode: 'test' }), { kind: 'key.read', key: { org_id: ORG, mode: 'test' } })).toEqual({
      allow: true,
    });
    expect(
      run(policy(), { kind: 'key.read', key: { org_id: 'org_0000000000000000000002', mode: 'live' } }),
    ).toMatchObject({ status: 404 });
  });
});

describe('decide: managing keys (grant coverage)', () => {
  const manage = (caller: KeyPolicy, target: KeyRef | null, next: KeyRef | null) =>
    run(caller, { kind: 'key.manage', key: target, next });

  it('the organization admin key covers every key of its org, up to one year', () => {
    const admin = policy();
    expect(isOrgAdminGrant(admin)).toBe(true);
    const strong = key({
      permissions: { mcps: '*' },
      scopes: [...ALL_SCOPES],
      expires_at: new Date(NOW + 365 * DAY).toISOString(),
    });
    expect(manage(admin, strong, null)).toEqual({ allow: true });
    expect(manage(admin, null, strong)).toEqual({ allow: true });
    expect(grantableExpiry(admin, NOW)).toBe(Date.parse('2027-12-02T12:00:00Z'));
    expect(manage(admin, null, key({ expires_at: '2027-12-03T00:00:00Z' }))).toMatchObject({ status: 403 });
  });

  it('a narrow key cannot touch a stronger key: scopes, MCPs, mode, expiry or limits', () => {
    const admin = key({ permissions: { mcps: '*' }, scopes: [...ALL_SCOPES] });
    for (const target of [
      admin,
      key({
        scopes: ['webhooks:write'],
        rate_limit: { requests_per_second: 1, burst: 1 },
        usage_limit: { requests: 1, period: 'day' },
      }),
      key({ permissions: { mcps: [MCP_A, MCP_B] } }),
      key({ expires_at: new Date(NOW + 31 * DAY).toISOString() }),
      key({ rate_limit: null, usage_limit: { requests: 1, period: 'day' } }),
      key({ rate_limit: { requests_per_second: 6, burst: 10 }, usage_limit: { requests: 1, period: 'day' } }),
      key({ rate_limit: { requests_per_second: 5, burst: 10 }, usage_limit: null }),
      key({
        rate_limit: { requests_per_second: 5, burst: 10 },
        usage_limit: { requests: 1001, period: 'day' },
      }),
      // 2,000 a month may all be spent in one day: looser than 1,000 a day.
      key({
        rate_limit: { requests_per_second: 5, burst: 10 },
        usage_limit: { requests: 2000, period: 'month' },
      }),
    ]) {
      const verdict = manage(narrow, target, null);
      expect(verdict).toMatchObject({ allow: false, status: 403, reason: 'grant_not_covered' });
    }
    const covered = key({
      scopes: ['keys:read'],
      rate_limit: { requests_per_second: 5, burst: 10 },
      usage_limit: { requests: 1000, period: 'month' },
    });
    expect(manage(narrow, covered, null)).toEqual({ allow: true });
    // …including itself: it may change its own name, never lift its own limits.
    const self: KeyRef = { ...narrow };
    expect(manage(narrow, self, self)).toEqual({ allow: true });
    expect(manage(narrow, self, { ...self, rate_limit: null })).toMatchObject({
      reason: 'grant_not_covered',
    });
    expect(manage(narrow, self, { ...self, usage_limit: null })).toMatchObject({
      reason: 'grant_not_covered',
    });
  });

  it('a test key acts on test keys only; other organizations’ keys do not exist', () => {
    const tester = policy({ mode: 'test' });
    expect(manage(tester, key(), null)).toMatchObject({ status: 403, reason: 'test_key_on_live_resource' });
    expect(manage(tester, null, key({ mode: 'test' }))).toEqual({ allow: true });
    expect(manage(policy(), key({ org_id: 'org_0000000000000000000002' }), null)).toMatchObject({
      status: 404,
    });
    expect(manage(policy({ scopes: ['keys:read'] }), key(), null)).toMatchObject({ reason: 'missing_scope' });
  });

  it('coverage is a preorder: every grant covers itself, and covering is transitive', () => {
    const scopes = fc.subarray([...ALL_SCOPES] as Scope[]);
    const grant: fc.Arbitrary<KeyGrant> = fc.record({
      mode: fc.constantFrom('live' as const, 'test' as const),
      permissions: fc.oneof(
        fc.constant({ mcps: '*' as const }),
        fc.subarray([MCP_A, MCP_B]).map((mcps) => ({ mcps })),
      ),
      scopes,
      rate_limit: fc.option(
        fc.record({
          requests_per_second: fc.integer({ min: 1, max: 20 }),
          burst: fc.integer({ min: 1, max: 40 }),
        }),
      ),
      usage_limit: fc.option(
        fc.record({
          requests: fc.integer({ min: 1, max: 5000 }),
          period: fc.constantFrom('day' as const, 'month' as const),
        }),
      ),
      expires_at: fc.integer({ min: 1, max: 365 }).map((d) => new Date(NOW + d * DAY).toISOString()),
    });
    fc.assert(
      fc.property(grant, grant, grant, (a, b, c) => {
        expect(coverageGap(a, a, NOW)).toBeNull();
        if (coverageGap(a, b, NOW) === null && coverageGap(b, c, NOW) === null) {
          expect(coverageGap(a, c, NOW)).toBeNull();
        }
      }),
      { seed: 20261202, numRuns: 500 },
    );
  });
});

describe('per-tool permissions', () => {
  const mcpA = { id: MCP_A, org_id: ORG, mode: 'live' as const };
  const mcpB = { id: MCP_B, org_id: ORG, mode: 'live' as const };
  const limited = policy({ permissions: { mcps: [MCP_A, MCP_B], tools: { [MCP_A]: ['search', 'fetch'] } } });

  it('allows a listed tool, refuses another one, and leaves MCPs without a list open', () => {
    expect(run(limited, { kind: 'mcp.tool', mcp: mcpA, tool: 'search' })).toEqual({ allow: true });
    expect(run(limited, { kind: 'mcp.tool', mcp: mcpA, tool: 'delete' })).toMatchObject({
      allow: false,
      status: 403,
      reason: 'tool_not_permitted',
    });
    expect(run(limited, { kind: 'mcp.tool', mcp: mcpB, tool: 'delete' })).toEqual({ allow: true });
    // The MCP itself still decides first: another organization's MCP does not exist.
    expect(
      run(limited, {
        kind: 'mcp.tool',
        mcp: { ...mcpA, org_id: 'org_0000000000000000000002' },
        tool: 'search',
      }),
    ).toMatchObject({ status: 404 });
  });

  it('covers a key only if its tool lists are subsets of the caller’s', () => {
    const caller = policy({ permissions: { mcps: '*', tools: { [MCP_A]: ['search'] } } });
    expect(
      coverageGap(caller, key({ permissions: { mcps: [MCP_A], tools: { [MCP_A]: ['search'] } } }), NOW),
    ).toBeNull();
    expect(coverageGap(caller, key({ permissions: { mcps: [MCP_B] } }), NOW)).toBeNull();
    expect(coverageGap(caller, key({ permissions: { mcps: [MCP_A] } }), NOW)).toMatch(/tools/);
    expect(coverageGap(caller, key({ permissions: { mcps: '*' } }), NOW)).toMatch(/tools/);
    expect(
      coverageGap(
        caller,
        key({ permissions: { mcps: [MCP_A], tools: { [MCP_A]: ['search', 'fetch'] } } }),
        NOW,
      ),
    ).toMatch(/tools/);
    expect(isOrgAdminGrant({ ...policy(), permissions: { mcps: '*', tools: { [MCP_A]: [] } } })).toBe(false);
  });

  it('accepts tool lists only for MCPs the key is permitted', () => {
    expect(permissionsSchema.safeParse({ mcps: [MCP_A], tools: { [MCP_A]: ['search'] } }).success).toBe(true);
    expect(permissionsSchema.safeParse({ mcps: '*', tools: { [MCP_B]: [] } }).success).toBe(true);
    expect(permissionsSchema.safeParse({ mcps: [MCP_A], tools: { [MCP_B]: ['x'] } }).success).toBe(false);
    expect(permissionsSchema.safeParse({ mcps: [MCP_A], tools: { [MCP_A]: ['has space'] } }).success).toBe(
      false,
    );
  });
});

describe('key controls', () => {
  it('refuses a disabled key like a revoked one, with its own message', () => {
    expect(
      decide({
        status: 'disabled',
        policy: policy(),
        target: { kind: 'authenticated' },
        clientIp: null,
        now: NOW,
      }),
    ).toEqual({ allow: false, status: 401, reason: 'disabled', message: 'API key is disabled' });
  });

  it('checks the key’s own IP allowlist beside the organization’s', () => {
    const both = policy({ ip_allowlist: ['10.0.0.0/8'], key_ip_allowlist: ['10.1.0.0/16'] });
    expect(run(both, { kind: 'authenticated' }, '10.1.2.3')).toEqual({ allow: true });
    expect(run(both, { kind: 'authenticated' }, '10.2.0.1')).toMatchObject({ reason: 'ip_not_allowed' });
    expect(
      run(policy({ key_ip_allowlist: ['192.0.2.0/24'] }), { kind: 'authenticated' }, null),
    ).toMatchObject({
      reason: 'ip_not_allowed',
    });
  });

  it('covers a key only if its IP allowlist lies inside the caller’s', () => {
    const caller = policy({ key_ip_allowlist: ['10.0.0.0/8'] });
    expect(coverageGap(caller, key({ key_ip_allowlist: ['10.1.0.0/16', '10.2.3.4'] }), NOW)).toBeNull();
    expect(coverageGap(caller, key({ key_ip_allowlist: null }), NOW)).toMatch(/IP allowlist/);
    expect(coverageGap(caller, key({ key_ip_allowlist: ['0.0.0.0/0'] }), NOW)).toMatch(/IP allowlist/);
    expect(coverageGap(caller, key({ key_ip_allowlist: ['2001:db8::/32'] }), NOW)).toMatch(/IP allowlist/);
  });
});

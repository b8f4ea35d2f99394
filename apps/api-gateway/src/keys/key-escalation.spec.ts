import { describe, expect, it } from '@jest/globals';
import type { KeyPolicy } from '@plexmcp/contracts';
import { assertNoEscalation } from './key-escalation.js';

const caller = (over: Partial<KeyPolicy>): KeyPolicy => ({
  key_id: 'key_0000000000000000000001',
  org_id: 'org_0000000000000000000001',
  mode: 'live',
  permissions: { mcps: ['mcp_0000000000000000000001'] },
  scopes: ['keys:write'],
  rate_limit: null,
  usage_limit: null,
  expires_at: new Date(Date.now() + 60_000).toISOString(),
  ip_allowlist: null,
  org_monthly_limit: null,
  version: 1,
  ...over,
});

describe('assertNoEscalation', () => {
  it('allows handing out a subset of what the caller has', () => {
    expect(() =>
      assertNoEscalation(caller({}), {
        scopes: ['keys:write'],
        permissions: { mcps: ['mcp_0000000000000000000001'] },
      }),
    ).not.toThrow();
  });

  it('refuses scopes, MCPs or a mode the caller does not have', () => {
    expect(() => assertNoEscalation(caller({}), { scopes: ['mcps:write'] })).toThrow(/scopes/);
    expect(() => assertNoEscalation(caller({}), { permissions: { mcps: '*' } })).toThrow(/MCPs/);
    expect(() =>
      assertNoEscalation(caller({}), { permissions: { mcps: ['mcp_0000000000000000000002'] } }),
    ).toThrow(/MCPs/);
    expect(() => assertNoEscalation(caller({ mode: 'test' }), { mode: 'live' })).toThrow(/test key/);
  });
});

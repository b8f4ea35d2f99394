import { describe, expect, it } from '@jest/globals';
import { McpSessionIds } from './mcp-session-ids.js';

const SECRET = Buffer.from('a-test-secret-that-is-long-enough-000');
const KEY = 'key_0123456789abcdefghij';
const OTHER_KEY = 'key_0123456789abcdefghik';
const MCP = 'mcp_0123456789abcdefghij';

describe('McpSessionIds', () => {
  const ids = new McpSessionIds(SECRET);

  it('round-trips any upstream id for the same key and MCP, and hides it from the client', () => {
    for (const upstream of [
      '7b0f4f2c-8f0e-4a57-9c43-2b7d1d0f7e55',
      'a.b.c',
      'ünïcode',
      '',
      'x'.repeat(500),
    ]) {
      const wrapped = ids.wrap(upstream, KEY, MCP);
      expect(wrapped).toMatch(/^s1\.key_[0-9A-Za-z]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/);
      if (upstream.length > 0) expect(wrapped).not.toContain(upstream);
      expect(ids.unwrap(wrapped, KEY, MCP)).toBe(upstream);
      expect(ids.wrap(upstream, KEY, MCP)).toBe(wrapped);
    }
  });

  it('is verified by another gateway with the same secret only', () => {
    const wrapped = ids.wrap('session-1', KEY, MCP);
    expect(new McpSessionIds(Buffer.from(SECRET)).unwrap(wrapped, KEY, MCP)).toBe('session-1');
    expect(
      new McpSessionIds(Buffer.from('another-secret-that-is-long-enough-0')).unwrap(wrapped, KEY, MCP),
    ).toBeNull();
  });

  it('refuses another key, another MCP, and any alteration', () => {
    const wrapped = ids.wrap('session-1', KEY, MCP);
    expect(ids.unwrap(wrapped, OTHER_KEY, MCP)).toBeNull();
    expect(ids.unwrap(wrapped, KEY, 'mcp_0123456789abcdefghik')).toBeNull();
    // The key id in the token swapped for the presenting key's: the MAC no longer matches.
    expect(ids.unwrap(wrapped.replace(KEY, OTHER_KEY), OTHER_KEY, MCP)).toBeNull();
    const [v, k, u, m] = wrapped.split('.') as [string, string, string, string];
    const otherUpstream = Buffer.from('session-2').toString('base64url');
    expect(ids.unwrap([v, k, otherUpstream, m].join('.'), KEY, MCP)).toBeNull();
    for (let i = 0; i < wrapped.length; i++) {
      const flipped = wrapped.slice(0, i) + (wrapped[i] === 'A' ? 'B' : 'A') + wrapped.slice(i + 1);
      if (flipped !== wrapped) expect(ids.unwrap(flipped, KEY, MCP)).toBeNull();
    }
    for (const garbage of [
      '',
      'session-1',
      `${wrapped}.x`,
      `s2.${k}.${u}.${m}`,
      `${wrapped}=`,
      'x'.repeat(10_000),
    ]) {
      expect(ids.unwrap(garbage, KEY, MCP)).toBeNull();
    }
  });
});

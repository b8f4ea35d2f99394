import { describe, expect, it } from '@jest/globals';
import { Links } from './linked-list.js';
import { type OpenStream, OpenStreams } from './open-streams.js';

function stream(keyHash: string, orgId: string, mcpId: string): OpenStream & { closed: number } {
  const s = {
    keyHash,
    orgId,
    mcpId,
    closed: 0,
    close() {
      s.closed += 1;
    },
    openLinks: new Links<OpenStream>(),
    keyLinks: new Links<OpenStream>(),
  };
  return s;
}

describe('OpenStreams', () => {
  it('closes exactly the streams of the evicted key, organization or MCP, once', () => {
    const streams = new OpenStreams();
    const a1 = stream('hash-a', 'org_a', 'mcp_1');
    const a2 = stream('hash-a', 'org_a', 'mcp_2');
    const b1 = stream('hash-b', 'org_a', 'mcp_1');
    const c1 = stream('hash-c', 'org_c', 'mcp_3');
    for (const s of [a1, a2, b1, c1]) streams.add(s);

    expect(streams.closeKey('hash-a')).toBe(2);
    expect([a1.closed, a2.closed, b1.closed, c1.closed]).toEqual([1, 1, 0, 0]);
    expect(streams.closeKey('hash-a')).toBe(0);
    expect(streams.closeMcp('mcp_1')).toBe(1);
    expect(b1.closed).toBe(1);
    expect(streams.closeOrganization('org_a')).toBe(0);
    expect(streams.size).toBe(1);
    expect(streams.closeEvery()).toBe(1);
    expect([a1.closed, a2.closed, b1.closed, c1.closed]).toEqual([1, 1, 1, 1]);
    expect(streams.size).toBe(0);
  });

  it("closes an organization's or an MCP's streams across keys, and their keys then have none", () => {
    const streams = new OpenStreams();
    const a1 = stream('hash-a', 'org_a', 'mcp_1');
    const b1 = stream('hash-b', 'org_a', 'mcp_2');
    const c2 = stream('hash-c', 'org_c', 'mcp_2');
    const c3 = stream('hash-c', 'org_c', 'mcp_3');
    for (const s of [a1, b1, c2, c3]) streams.add(s);

    expect(streams.closeOrganization('org_a')).toBe(2);
    expect(streams.closeKey('hash-a') + streams.closeKey('hash-b')).toBe(0);
    expect(streams.closeMcp('mcp_2')).toBe(1);
    expect([a1.closed, b1.closed, c2.closed, c3.closed]).toEqual([1, 1, 1, 0]);
    // The key's other stream is still indexed under it.
    expect(streams.closeKey('hash-c')).toBe(1);
    expect(c3.closed).toBe(1);
    expect(streams.size).toBe(0);
  });

  it('forgets a stream that ended by itself, and tolerates a close that deletes it again', () => {
    const streams = new OpenStreams();
    const done = stream('hash-a', 'org_a', 'mcp_1');
    streams.add(done);
    streams.delete(done);
    streams.delete(done);
    expect(streams.closeOrganization('org_a')).toBe(0);
    expect(done.closed).toBe(0);

    const reentrant: OpenStream = {
      keyHash: 'hash-r',
      orgId: 'org_r',
      mcpId: 'mcp_r',
      close: () => streams.delete(reentrant),
      openLinks: new Links(),
      keyLinks: new Links(),
    };
    streams.add(reentrant);
    expect(streams.closeOrganization('org_r')).toBe(1);
    expect(streams.size).toBe(0);
  });
});

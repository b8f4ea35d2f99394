import { describe, expect, it } from '@jest/globals';
import { type KeyPolicy, requestTallySchema } from '@plexmcp/contracts';
import { UsageTallies } from './usage-tallies.js';

const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy =>
  ({
    key_id: 'key_aaaaaaaaaaaaaaaaaaaaaa',
    org_id: 'org_aaaaaaaaaaaaaaaaaaaaaa',
    mode: 'live',
    permissions: 'full',
    scopes: [],
    rate_limit: null,
    usage_limit: null,
    expires_at: '2027-01-01T00:00:00.000Z',
    ip_allowlist: null,
    org_monthly_limit: null,
    ...over,
  }) as KeyPolicy;
const MINUTE = Date.parse('2026-03-01T10:15:00.000Z');

describe('UsageTallies', () => {
  it('folds requests sharing key, minute, MCP, route, address, error code and tool; splits on any of them', () => {
    const t = new UsageTallies();
    const p = policy();
    const add = (over: {
      at?: number;
      ip?: string;
      route?: string;
      status?: number;
      error?: 'rate_limited';
      tool?: string;
    }) =>
      t.add(
        p,
        null,
        over.route ?? '/v1/me',
        over.status ?? 200,
        3.5,
        over.ip ?? '1.1.1.1',
        over.at ?? MINUTE + 1_000,
        over.error ?? null,
        over.tool ?? null,
        true,
      );
    add({});
    add({ at: MINUTE + 59_999, status: 404 });
    add({ at: MINUTE + 500, status: 503 });
    add({ at: MINUTE + 60_000 }); // next minute
    add({ ip: '8.8.8.8' });
    add({ route: '/v1/keys' });
    add({ status: 429, error: 'rate_limited' });
    add({ tool: 'search' });
    add({ tool: 'search', at: MINUTE + 2_000 });
    add({ tool: 'fetch' });
    add({ tool: '' }); // a tools/call naming no tool is not a request without one
    add({ tool: 'null' }); // nor is a tool named "null"
    expect(t.requests).toBe(12);
    const taken = t.take();
    expect(taken).toHaveLength(9);
    const byTool = taken.filter((x) => x.tally.tool !== undefined).map((x) => [x.tally.tool, x.requests]);
    expect(byTool.sort()).toEqual([
      ['', 1],
      ['fetch', 1],
      ['null', 1],
      ['search', 2],
    ]);
    expect(t.size).toBe(0);
    expect(t.requests).toBe(0);
    const first = taken.find((x) => x.requests === 3)!.tally;
    expect(first).toMatchObject({
      requests: 3,
      s2xx: 1,
      s4xx: 1,
      s5xx: 1,
      first_at: new Date(MINUTE + 500).toISOString(),
      last_at: new Date(MINUTE + 59_999).toISOString(),
      latency_ms_sum: 10.5,
    });
    for (const { tally } of taken) expect(requestTallySchema.safeParse(tally).success).toBe(true);
  });

  it("reports the newest request's limits and opens no tally when told not to", () => {
    const t = new UsageTallies();
    t.add(
      policy({ usage_limit: { requests: 5, period: 'day' } }),
      null,
      '/v1/me',
      200,
      1,
      null,
      MINUTE + 2,
      null,
      null,
      true,
    );
    t.add(policy({ usage_limit: null }), null, '/v1/me', 200, 1, null, MINUTE + 1, null, null, true);
    t.add(
      policy({ usage_limit: { requests: 9, period: 'month' } }),
      null,
      '/v1/me',
      200,
      1,
      null,
      MINUTE + 3,
      null,
      null,
      true,
    );
    // Full: a request for an open tally still counts, one needing a new tally does not.
    expect(t.add(policy(), null, '/v1/me', 200, 1, null, MINUTE + 4, null, null, false)).toBe(true);
    expect(t.add(policy(), null, '/v1/other', 200, 1, null, MINUTE + 4, null, null, false)).toBe(false);
    const [only] = t.take();
    expect(only!.tally).toMatchObject({ requests: 4 });
    expect(only!.tally.usage_limit).toBeNull(); // the request at MINUTE + 4 is the newest
  });
});

import { describe, expect, it } from '@jest/globals';
import { locatedEvent } from './located-event.fixture.js';
import { aggregate } from './usage-aggregator.js';

const base = locatedEvent().event;
const at = (iso: string) => Date.parse(iso);

describe('aggregate', () => {
  it('folds events into one row per bucket, key, MCP and country; test keys, throttled requests and management routes are not billable', () => {
    const rows = aggregate(
      [
        locatedEvent({ status: 200 }),
        locatedEvent({ status: 404, occurred_at: '2026-03-01T10:15:59.999Z' }),
        locatedEvent({ status: 503, mode: 'test' }),
        locatedEvent({ status: 429, error_code: 'usage_limit_exceeded' }),
        locatedEvent({ status: 301, occurred_at: '2026-03-01T10:16:00.000Z' }),
        locatedEvent({ mcp_id: null, route: '/v1/me', method: 'GET' }, null),
      ],
      'minute',
    );
    expect(rows).toHaveLength(3);
    const [first, second, third] = rows;
    expect(first).toMatchObject({
      bucket: at('2026-03-01T10:15:00Z'),
      mcpId: '',
      country: '',
      requests: 1,
      billable: 0,
    });
    expect(second).toMatchObject({
      bucket: at('2026-03-01T10:15:00Z'),
      mcpId: base.mcp_id,
      country: 'US',
      requests: 4,
      billable: 2,
      s2xx: 1,
      s4xx: 2,
      s5xx: 1,
      latencySum: 40,
    });
    expect(third).toMatchObject({ bucket: at('2026-03-01T10:16:00Z'), s3xx: 1 });
    expect(second!.hist.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('puts a whole day into one row at day granularity (UTC)', () => {
    const rows = aggregate(
      [
        locatedEvent({ occurred_at: '2026-03-01T00:00:00.000Z' }),
        locatedEvent({ occurred_at: '2026-03-01T23:59:59.999Z' }),
      ],
      'day',
    );
    expect(rows).toEqual([expect.objectContaining({ bucket: at('2026-03-01T00:00:00Z'), requests: 2 })]);
  });
});

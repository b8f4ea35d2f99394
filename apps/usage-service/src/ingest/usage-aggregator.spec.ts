import { describe, expect, it } from '@jest/globals';
import { MCP_ENDPOINT_ROUTE, type RequestRecordedEvent } from '@plexmcp/contracts';
import { aggregate, type LocatedEvent } from './usage-aggregator.js';

const base: RequestRecordedEvent = {
  type: 'request.recorded',
  event_id: 'evt_1',
  key_id: 'key_aaaaaaaaaa',
  org_id: 'org_aaaaaaaaaa',
  mcp_id: 'mcp_aaaaaaaaaa',
  mode: 'live',
  method: 'POST',
  route: MCP_ENDPOINT_ROUTE,
  status: 200,
  latency_ms: 10,
  client_ip: '8.8.8.8',
  user_agent: null,
  occurred_at: '2026-03-01T10:15:30.000Z',
};
const at = (iso: string) => Date.parse(iso);
const located = (e: Partial<RequestRecordedEvent>, country: string | null = 'US'): LocatedEvent => {
  const event = { ...base, ...e };
  return { event, occurredAt: at(event.occurred_at), country };
};

describe('aggregate', () => {
  it('folds events into one row per bucket, key, MCP and country; test keys, throttled requests and management routes are not billable', () => {
    const rows = aggregate(
      [
        located({ status: 200 }),
        located({ status: 404, occurred_at: '2026-03-01T10:15:59.999Z' }),
        located({ status: 503, mode: 'test' }),
        located({ status: 429, error_code: 'usage_limit_exceeded' }),
        located({ status: 301, occurred_at: '2026-03-01T10:16:00.000Z' }),
        located({ mcp_id: null, route: '/v1/me', method: 'GET' }, null),
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
        located({ occurred_at: '2026-03-01T00:00:00.000Z' }),
        located({ occurred_at: '2026-03-01T23:59:59.999Z' }),
      ],
      'day',
    );
    expect(rows).toEqual([expect.objectContaining({ bucket: at('2026-03-01T00:00:00Z'), requests: 2 })]);
  });
});

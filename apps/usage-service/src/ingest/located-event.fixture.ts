import { MCP_ENDPOINT_ROUTE, type RequestRecordedEvent } from '@plexmcp/contracts';
import { type LocatedUsage, tallyOf } from './usage-aggregator.js';

/**
 * Test data (unit specs only): a request event as ingest sees it once located, by default a live
 * key's 10 ms MCP call from the US at 2026-03-01T10:15:30Z. `occurredAt` follows `occurred_at`.
 */
export function locatedEvent(
  overrides: Partial<RequestRecordedEvent> = {},
  country: string | null = 'US',
): LocatedUsage {
  const event: RequestRecordedEvent = {
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
    ...overrides,
  };
  const at = Date.parse(event.occurred_at);
  return { event: tallyOf(event), occurredAt: at, lastAt: at, country };
}

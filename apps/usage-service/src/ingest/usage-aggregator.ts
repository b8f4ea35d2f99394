import { type RequestRecordedEvent, isMcpTraffic } from '@plexmcp/contracts';
import { bucketIndex, emptyHistogram } from '../usage/latency-histogram.js';
import { bucketStart, type Granularity } from '../usage/time-buckets.js';

/** Gateway refusals that throttle the caller: tracked, never billed nor counted toward limits. */
const THROTTLED = new Set<string>(['usage_limit_exceeded', 'rate_limited']);

/**
 * A live-key MCP request the gateway did not throttle: what is billed and counted toward usage
 * limits. Test keys never count (seed: "Don't count toward billing"); management and read routes
 * are tracked, never billed.
 */
export function isBillable(event: RequestRecordedEvent): boolean {
  return (
    event.mode === 'live' && isMcpTraffic(event) && !(event.error_code && THROTTLED.has(event.error_code))
  );
}

/** Request counts of an aggregate row or of a series point: in all, billable, per status class. */
export interface UsageCounts {
  requests: number;
  billable: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
}

/** One aggregate row: the counts of one key × MCP × country in one time bucket. */
export interface AggregateRow extends UsageCounts {
  orgId: string;
  bucket: number;
  keyId: string;
  /** '' when the request was not addressed to an MCP. */
  mcpId: string;
  /** '' when the client's location is unknown. */
  country: string;
  latencySum: number;
  hist: number[];
}

export interface LocatedEvent {
  event: RequestRecordedEvent;
  occurredAt: number;
  country: string | null;
}

/**
 * Folds a batch of events into one row per (bucket, key, MCP, country) for a granularity, so a
 * batch of thousands of events becomes a few upserts. Rows are sorted by primary key, so two
 * instances upserting overlapping rows always lock them in the same order (no deadlock).
 */
export function aggregate(events: readonly LocatedEvent[], granularity: Granularity): AggregateRow[] {
  const rows = new Map<string, AggregateRow>();
  for (const { event, occurredAt, country } of events) {
    const bucket = bucketStart(occurredAt, granularity);
    const mcpId = event.mcp_id ?? '';
    const countryCode = country ?? '';
    const id = `${event.org_id}|${bucket}|${event.key_id}|${mcpId}|${countryCode}`;
    let row = rows.get(id);
    if (!row) {
      row = {
        orgId: event.org_id,
        bucket,
        keyId: event.key_id,
        mcpId,
        country: countryCode,
        requests: 0,
        billable: 0,
        s2xx: 0,
        s3xx: 0,
        s4xx: 0,
        s5xx: 0,
        latencySum: 0,
        hist: emptyHistogram(),
      };
      rows.set(id, row);
    }
    row.requests += 1;
    if (isBillable(event)) row.billable += 1;
    const statusClass = Math.floor(event.status / 100);
    if (statusClass === 5) row.s5xx += 1;
    else if (statusClass === 4) row.s4xx += 1;
    else if (statusClass === 3) row.s3xx += 1;
    else if (statusClass === 2) row.s2xx += 1;
    row.latencySum += event.latency_ms;
    const i = bucketIndex(event.latency_ms);
    row.hist[i] = (row.hist[i] ?? 0) + 1;
  }
  return [...rows.values()].sort(compareRows);
}

function compareRows(a: AggregateRow, b: AggregateRow): number {
  return (
    cmp(a.orgId, b.orgId) ||
    a.bucket - b.bucket ||
    cmp(a.keyId, b.keyId) ||
    cmp(a.mcpId, b.mcpId) ||
    cmp(a.country, b.country)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import {
  type RequestRecordedEvent,
  type RequestTally,
  bucketIndex,
  emptyHistogram,
  isMcpTraffic,
} from '@plexmcp/contracts';
import { bucketStart, type Granularity } from '../usage/time-buckets.js';

/** Gateway refusals that throttle the caller: tracked, never billed nor counted toward limits. */
const THROTTLED = new Set<string>(['usage_limit_exceeded', 'rate_limited']);

/**
 * A live-key MCP request the gateway did not throttle: what is billed and counted toward usage
 * limits. Test keys never count (seed: "Don't count toward billing"); management and read routes
 * are tracked, never billed.
 */
export function isBillable(event: Pick<RequestTally, 'mode' | 'route' | 'error_code'>): boolean {
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

/**
 * A gateway tally (or a single event, as a tally of one) once located: `event` carries the
 * attributes its requests share and their counts; `occurredAt` is the first request's time and
 * `lastAt` the newest's (both in one minute).
 */
export interface LocatedUsage {
  event: RequestTally;
  occurredAt: number;
  lastAt: number;
  country: string | null;
}

/** A single `request.recorded` event as a tally of one request. */
export function tallyOf(event: RequestRecordedEvent): RequestTally {
  const statusClass = Math.floor(event.status / 100);
  const hist = emptyHistogram();
  hist[bucketIndex(event.latency_ms)] = 1;
  return {
    key_id: event.key_id,
    org_id: event.org_id,
    mcp_id: event.mcp_id,
    mode: event.mode,
    route: event.route,
    client_ip: event.client_ip,
    ...(event.usage_limit !== undefined ? { usage_limit: event.usage_limit } : {}),
    ...(event.org_monthly_limit !== undefined ? { org_monthly_limit: event.org_monthly_limit } : {}),
    ...(event.expires_at !== undefined ? { expires_at: event.expires_at } : {}),
    ...(event.error_code !== undefined ? { error_code: event.error_code } : {}),
    ...(event.tool !== undefined ? { tool: event.tool } : {}),
    first_at: event.occurred_at,
    last_at: event.occurred_at,
    requests: 1,
    s2xx: statusClass === 2 ? 1 : 0,
    s3xx: statusClass === 3 ? 1 : 0,
    s4xx: statusClass === 4 ? 1 : 0,
    s5xx: statusClass === 5 ? 1 : 0,
    latency_ms_sum: event.latency_ms,
    latency_histogram: hist,
  };
}

/**
 * Folds a batch of tallies into one row per (bucket, key, MCP, country) for a granularity, so a
 * batch of thousands of events becomes a few upserts. Rows are sorted by primary key, so two
 * instances upserting overlapping rows always lock them in the same order (no deadlock).
 */
export function aggregate(events: readonly LocatedUsage[], granularity: Granularity): AggregateRow[] {
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
    row.requests += event.requests;
    if (isBillable(event)) row.billable += event.requests;
    row.s2xx += event.s2xx;
    row.s3xx += event.s3xx;
    row.s4xx += event.s4xx;
    row.s5xx += event.s5xx;
    row.latencySum += event.latency_ms_sum;
    const hist = event.latency_histogram;
    for (let i = 0; i < hist.length; i++) if (hist[i]! > 0) row.hist[i] = (row.hist[i] ?? 0) + hist[i]!;
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

import { describe, expect, it } from '@jest/globals';
import {
  REQUEST_BATCH_MAX_EVENTS,
  type RequestRecordedEvent,
  type RequestTally,
  requestBatchSchema,
  requestMessageSchema,
  requestTallyBatchSchema,
} from './events.schema.js';
import { HISTOGRAM_BUCKETS } from './latency-histogram.js';
import { IdPrefix, newId } from './ids.js';

const KEY_ID = newId(IdPrefix.Key);
const ORG_ID = newId(IdPrefix.Organization);

const event = (n: number): RequestRecordedEvent => ({
  type: 'request.recorded',
  event_id: `evt_${n}`,
  key_id: KEY_ID,
  org_id: ORG_ID,
  mcp_id: null,
  mode: 'live',
  method: 'GET',
  route: '/v1/me',
  status: 200,
  latency_ms: 0.4,
  client_ip: '127.0.0.1',
  user_agent: null,
  occurred_at: '2026-01-01T00:00:00.000Z',
});

describe('request batch messages', () => {
  it('accepts a batch of 1..1000 valid events', () => {
    const batch = { type: 'request.batch', batch_id: 'bat_1', events: [event(1), event(2)] };
    expect(requestBatchSchema.parse(batch).events).toHaveLength(2);
    const full = { ...batch, events: Array.from({ length: REQUEST_BATCH_MAX_EVENTS }, (_, i) => event(i)) };
    expect(requestBatchSchema.safeParse(full).success).toBe(true);
  });

  it('rejects an empty batch, an oversized one, a missing id or an invalid event inside', () => {
    const base = { type: 'request.batch', batch_id: 'bat_1' };
    expect(requestBatchSchema.safeParse({ ...base, events: [] }).success).toBe(false);
    const tooMany = Array.from({ length: REQUEST_BATCH_MAX_EVENTS + 1 }, (_, i) => event(i));
    expect(requestBatchSchema.safeParse({ ...base, events: tooMany }).success).toBe(false);
    expect(requestBatchSchema.safeParse({ type: 'request.batch', events: [event(1)] }).success).toBe(false);
    expect(requestBatchSchema.safeParse({ ...base, events: [{ ...event(1), status: 42 }] }).success).toBe(
      false,
    );
  });

  it('reads either shape from the one subject, by type', () => {
    expect(requestMessageSchema.parse(event(1)).type).toBe('request.recorded');
    const parsed = requestMessageSchema.parse({
      type: 'request.batch',
      batch_id: 'bat_2',
      events: [event(3)],
    });
    expect(parsed.type === 'request.batch' ? parsed.events[0]?.event_id : null).toBe('evt_3');
    expect(requestMessageSchema.safeParse({ type: 'request.other' }).success).toBe(false);
  });
});

describe('request tally reports', () => {
  const hist = (n: number) => [n, ...new Array<number>(HISTOGRAM_BUCKETS - 1).fill(0)];
  const tally = (over: Partial<RequestTally> = {}): RequestTally => ({
    key_id: KEY_ID,
    org_id: ORG_ID,
    mcp_id: null,
    mode: 'live',
    route: '/v1/me',
    client_ip: '127.0.0.1',
    first_at: '2026-01-01T00:00:00.000Z',
    last_at: '2026-01-01T00:00:59.999Z',
    requests: 3,
    s2xx: 2,
    s3xx: 0,
    s4xx: 1,
    s5xx: 0,
    latency_ms_sum: 1.2,
    latency_histogram: hist(3),
    ...over,
  });
  const report = (t: RequestTally) => ({ type: 'request.tally', batch_id: 'bat_1', tallies: [t] });

  it('accepts a report of tallies on the shared subject', () => {
    const parsed = requestMessageSchema.parse(report(tally()));
    expect(parsed.type === 'request.tally' && parsed.tallies[0]!.requests).toBe(3);
  });

  it('refuses tallies that span two minutes, count fewer latencies or more statuses than requests', () => {
    expect(
      requestMessageSchema.safeParse(report(tally({ last_at: '2026-01-01T00:01:00.000Z' }))).success,
    ).toBe(false);
    expect(
      requestMessageSchema.safeParse(report(tally({ last_at: '2025-12-31T23:59:59.000Z' }))).success,
    ).toBe(false);
    expect(requestMessageSchema.safeParse(report(tally({ latency_histogram: hist(2) }))).success).toBe(false);
    expect(requestMessageSchema.safeParse(report(tally({ s5xx: 1 }))).success).toBe(false);
    expect(
      requestMessageSchema.safeParse(report(tally({ requests: 0, latency_histogram: hist(0) }))).success,
    ).toBe(false);
    expect(
      requestTallyBatchSchema.safeParse({ type: 'request.tally', batch_id: 'x', tallies: [] }).success,
    ).toBe(false);
  });
});

import { describe, expect, it } from '@jest/globals';
import type { RequestRecordedEvent } from '@plexmcp/contracts';
import { locatedEvent } from '../ingest/located-event.fixture.js';
import type { LocatedUsage } from '../ingest/usage-aggregator.js';
import { limitPeriod } from '../usage/time-buckets.js';
import { planLimits, reachedLimits } from './limit-rules.js';

const NOW = Date.parse('2026-03-31T22:00:00.000Z');
const ev = (e: Partial<RequestRecordedEvent>, occurredAt = NOW): LocatedUsage =>
  locatedEvent({ occurred_at: new Date(occurredAt).toISOString(), ...e }, null);

describe('limit periods', () => {
  it('reset at the start of the next UTC day or month', () => {
    expect(limitPeriod(NOW, 'day')).toEqual({
      start: Date.parse('2026-03-31T00:00:00Z'),
      resetAt: Date.parse('2026-04-01T00:00:00Z'),
    });
    expect(limitPeriod(NOW, 'month')).toEqual({
      start: Date.parse('2026-03-01T00:00:00Z'),
      resetAt: Date.parse('2026-04-01T00:00:00Z'),
    });
    expect(limitPeriod(Date.parse('2026-12-15T00:00:00Z'), 'month').resetAt).toBe(
      Date.parse('2027-01-01T00:00:00Z'),
    );
  });
});

describe('planLimits / reachedLimits', () => {
  it('counts only live requests of limited subjects', () => {
    const plan = planLimits([
      ev({ usage_limit: { requests: 10, period: 'day' }, org_monthly_limit: 1000 }),
      ev({ usage_limit: { requests: 10, period: 'day' }, org_monthly_limit: 1000 }),
      ev({ mode: 'test', key_id: 'key_bbbbbbbbbb', usage_limit: { requests: 1, period: 'day' } }),
      ev({ key_id: 'key_cccccccccc', usage_limit: null }),
      ev({ status: 429, error_code: 'usage_limit_exceeded', usage_limit: { requests: 10, period: 'day' } }),
      // Management and read routes are tracked, never metered.
      ev({ route: '/v1/me', mcp_id: null, usage_limit: { requests: 10, period: 'day' } }),
      ev({ route: '/v1/mcps/:id', usage_limit: { requests: 10, period: 'day' } }),
    ]);
    expect(plan.increments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: 'org', period: 'month', count: 3 }),
        expect.objectContaining({ scope: 'key', subjectId: 'key_aaaaaaaaaa', period: 'day', count: 2 }),
      ]),
    );
    expect(plan.increments).toHaveLength(2);
  });

  it('blocks when the total reaches the limit in the current period only', () => {
    const plan = planLimits([ev({ usage_limit: { requests: 10, period: 'day' } })]);
    const today = limitPeriod(NOW, 'day').start;
    const blocks = reachedLimits(
      [
        { scope: 'key', subjectId: 'key_aaaaaaaaaa', period: 'day', periodStart: today, total: 10 },
        {
          scope: 'key',
          subjectId: 'key_aaaaaaaaaa',
          period: 'day',
          periodStart: today - 86_400_000,
          total: 50,
        },
      ],
      plan,
      NOW,
    );
    expect(blocks).toEqual([
      expect.objectContaining({
        scope: 'key',
        keyId: 'key_aaaaaaaaaa',
        limit: 10,
        resetAt: Date.parse('2026-04-01T00:00:00Z'),
      }),
    ]);
    expect(
      reachedLimits(
        [{ scope: 'key', subjectId: 'key_aaaaaaaaaa', period: 'day', periodStart: today, total: 9 }],
        plan,
        NOW,
      ),
    ).toEqual([]);
  });

  it('uses the newest setting of a key: a removed limit no longer counts', () => {
    const plan = planLimits([
      ev({ usage_limit: { requests: 10, period: 'day' } }, NOW - 1000),
      ev({ usage_limit: null }, NOW),
    ]);
    expect(plan.increments).toEqual([]);
  });

  it('reports the newest limit seen per subject and period, null where none is set', () => {
    const plan = planLimits([
      ev({ usage_limit: { requests: 10, period: 'day' }, org_monthly_limit: 1000 }, NOW - 1000),
      ev({ usage_limit: { requests: 50, period: 'month' }, org_monthly_limit: null }, NOW),
      ev({ mode: 'test', key_id: 'key_bbbbbbbbbb', usage_limit: null }),
      ev({ key_id: 'key_cccccccccc' }),
    ]);
    expect(plan.observed).toEqual(
      expect.arrayContaining([
        { scope: 'org', subjectId: 'org_aaaaaaaaaa', period: 'month', limit: null, seenAt: NOW },
        { scope: 'key', subjectId: 'key_aaaaaaaaaa', period: 'day', limit: null, seenAt: NOW },
        { scope: 'key', subjectId: 'key_aaaaaaaaaa', period: 'month', limit: 50, seenAt: NOW },
      ]),
    );
    // Test keys never have blocks; an event without limit fields says nothing about them.
    expect(plan.observed).toHaveLength(3);
  });
});

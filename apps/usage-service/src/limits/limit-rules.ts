import { isBillable, type LocatedUsage } from '../ingest/usage-aggregator.js';
import { limitPeriod } from '../usage/time-buckets.js';
import type {
  CounterIncrement,
  CounterValue,
  LimitPeriodName,
  LimitScope,
  NewBlock,
} from './limits.repository.js';

interface LimitSetting {
  scope: LimitScope;
  subjectId: string;
  orgId: string;
  keyId: string | null;
  period: LimitPeriodName;
  limit: number;
  /** occurred_at of the event that carried this setting: the newest one wins. */
  seenAt: number;
}

/** The newest limit a batch showed for a subject and period: a number, or null for none. */
export interface LimitObservation {
  scope: LimitScope;
  subjectId: string;
  period: LimitPeriodName;
  limit: number | null;
  seenAt: number;
}

export interface LimitPlan {
  increments: CounterIncrement[];
  settings: Map<string, LimitSetting>;
  /** Every limit the batch's live events reported, newest per subject and period. */
  observed: LimitObservation[];
}

const settingKey = (scope: LimitScope, subjectId: string, period: LimitPeriodName) =>
  `${scope}|${subjectId}|${period}`;

/**
 * Picks the limits in force from the newest event of each key/organization, and counts the batch's
 * live requests of the limited subjects per organization-month, key-day or key-month. Test-key
 * requests never count.
 */
export function planLimits(events: readonly LocatedUsage[]): LimitPlan {
  const increments = new Map<string, CounterIncrement>();
  const settings = new Map<string, LimitSetting>();
  const bump = (scope: LimitScope, subjectId: string, period: LimitPeriodName, at: number, count: number) => {
    const { start } = limitPeriod(at, period);
    const id = `${settingKey(scope, subjectId, period)}|${start}`;
    const current = increments.get(id);
    if (current) current.count += count;
    else increments.set(id, { scope, subjectId, period, periodStart: start, count });
  };
  const remember = (setting: LimitSetting) => {
    const id = settingKey(setting.scope, setting.subjectId, setting.period);
    const current = settings.get(id);
    if (!current || current.seenAt <= setting.seenAt) settings.set(id, setting);
  };
  const forget = (scope: LimitScope, subjectId: string, period: LimitPeriodName, at: number) => {
    const id = settingKey(scope, subjectId, period);
    const current = settings.get(id);
    if (current && current.seenAt <= at) settings.delete(id);
  };
  const observed = new Map<string, LimitObservation>();
  const observe = (observation: LimitObservation) => {
    const id = settingKey(observation.scope, observation.subjectId, observation.period);
    const current = observed.get(id);
    if (!current || current.seenAt <= observation.seenAt) observed.set(id, observation);
  };

  // A tally's settings are its newest request's: they were seen at `lastAt`.
  for (const { event, lastAt: occurredAt } of events) {
    if (event.mode !== 'live') continue;
    if (event.org_monthly_limit !== undefined) {
      observe({
        scope: 'org',
        subjectId: event.org_id,
        period: 'month',
        limit: event.org_monthly_limit,
        seenAt: occurredAt,
      });
      if (event.org_monthly_limit === null) forget('org', event.org_id, 'month', occurredAt);
      else
        remember({
          scope: 'org',
          subjectId: event.org_id,
          orgId: event.org_id,
          keyId: null,
          period: 'month',
          limit: event.org_monthly_limit,
          seenAt: occurredAt,
        });
    }
    if (event.usage_limit !== undefined) {
      for (const period of ['day', 'month'] as const) {
        observe({
          scope: 'key',
          subjectId: event.key_id,
          period,
          limit: event.usage_limit?.period === period ? event.usage_limit.requests : null,
          seenAt: occurredAt,
        });
        if (event.usage_limit?.period === period) {
          remember({
            scope: 'key',
            subjectId: event.key_id,
            orgId: event.org_id,
            keyId: event.key_id,
            period,
            limit: event.usage_limit.requests,
            seenAt: occurredAt,
          });
        } else {
          forget('key', event.key_id, period, occurredAt);
        }
      }
    }
  }
  // Only subjects with a limit in force are counted (a counter starting mid-period is seeded from
  // the exact aggregates by the repository, so a limit added later still sees earlier requests).
  // A tally lies in one minute, so all its requests fall in one day and one month.
  for (const { event, occurredAt } of events) {
    if (!isBillable(event)) continue;
    if (settings.has(settingKey('org', event.org_id, 'month')))
      bump('org', event.org_id, 'month', occurredAt, event.requests);
    for (const period of ['day', 'month'] as const) {
      if (settings.has(settingKey('key', event.key_id, period)))
        bump('key', event.key_id, period, occurredAt, event.requests);
    }
  }
  return { increments: [...increments.values()], settings, observed: [...observed.values()] };
}

/** Limits reached by the new totals in the current period (late events of past periods never block). */
export function reachedLimits(totals: readonly CounterValue[], plan: LimitPlan, nowMs: number): NewBlock[] {
  const blocks: NewBlock[] = [];
  for (const total of totals) {
    const setting = plan.settings.get(settingKey(total.scope, total.subjectId, total.period));
    if (!setting || total.total < setting.limit) continue;
    const current = limitPeriod(nowMs, total.period);
    if (total.periodStart !== current.start) continue;
    blocks.push({
      scope: total.scope,
      subjectId: total.subjectId,
      period: total.period,
      periodStart: total.periodStart,
      orgId: setting.orgId,
      keyId: setting.keyId,
      limit: setting.limit,
      resetAt: current.resetAt,
    });
  }
  return blocks;
}

import { type ReactNode, useState } from 'react';
import type { RateLimit, UsageLimit } from '../api/types';
import { Filter, FilterInput } from '../components/fields';

/** A limit that is off until its checkbox is ticked, then shows its fields. */
function OptionalLimit({
  label,
  on,
  setOn,
  children,
}: {
  label: string;
  on: boolean;
  setOn: (on: boolean) => void;
  children: ReactNode;
}) {
  return (
    <>
      <label>
        <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} /> {label}
      </label>
      {on ? <div className="inline-fields">{children}</div> : null}
    </>
  );
}

/** A whole number of requests, at least 1. */
function Count(props: {
  id: string;
  label: string;
  max?: number;
  value: string;
  onValue: (v: string) => void;
}) {
  return <FilterInput {...props} type="number" required min={1} />;
}

/**
 * A key's rate and usage limits as form fields, for creating and for editing a key: each limit is
 * off (null) or on with its numbers. `value()` gives the two as the API takes them.
 */
export function useKeyLimits(
  id: string,
  initial: { rate_limit: RateLimit | null; usage_limit: UsageLimit | null },
) {
  const [rateOn, setRateOn] = useState(initial.rate_limit !== null);
  const [rps, setRps] = useState(String(initial.rate_limit?.requests_per_second ?? 10));
  const [burst, setBurst] = useState(String(initial.rate_limit?.burst ?? 20));
  const [usageOn, setUsageOn] = useState(initial.usage_limit !== null);
  const [requests, setRequests] = useState(String(initial.usage_limit?.requests ?? 10_000));
  const [period, setPeriod] = useState<UsageLimit['period']>(initial.usage_limit?.period ?? 'month');

  const value = (): { rate_limit: RateLimit | null; usage_limit: UsageLimit | null } => ({
    rate_limit: rateOn ? { requests_per_second: Number(rps), burst: Number(burst) } : null,
    usage_limit: usageOn ? { requests: Number(requests), period } : null,
  });

  const fields = (
    <fieldset>
      <legend>Limits</legend>
      <OptionalLimit label="Limit the request rate" on={rateOn} setOn={setRateOn}>
        <Count id={`${id}-rps`} label="Requests per second" max={100_000} value={rps} onValue={setRps} />
        <Count id={`${id}-burst`} label="Burst" max={1_000_000} value={burst} onValue={setBurst} />
      </OptionalLimit>
      <OptionalLimit label="Limit usage (billable requests per day or month)" on={usageOn} setOn={setUsageOn}>
        <Count id={`${id}-usage`} label="Usage limit (requests)" value={requests} onValue={setRequests} />
        <Filter id={`${id}-period`} label="Per" value={period} onChange={setPeriod}>
          <option value="day">day (UTC)</option>
          <option value="month">month (UTC)</option>
        </Filter>
      </OptionalLimit>
    </fieldset>
  );
  return { fields, value };
}

/** A key's limits in words, for its row. */
export function describeLimits(key: {
  rate_limit: RateLimit | null;
  usage_limit: UsageLimit | null;
}): string {
  const parts: string[] = [];
  if (key.rate_limit) parts.push(`${key.rate_limit.requests_per_second}/s (burst ${key.rate_limit.burst})`);
  if (key.usage_limit) parts.push(`${key.usage_limit.requests.toLocaleString()}/${key.usage_limit.period}`);
  return parts.length ? parts.join('; ') : 'none';
}

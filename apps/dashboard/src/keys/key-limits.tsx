import { useState } from 'react';
import type { RateLimit, UsageLimit } from '../api/types';
import { SelectField, TextField } from '../components/fields';

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
      <label>
        <input type="checkbox" checked={rateOn} onChange={(e) => setRateOn(e.target.checked)} /> Limit the
        request rate
      </label>
      {rateOn ? (
        <div className="inline-fields">
          <div>
            <TextField
              id={`${id}-rps`}
              label="Requests per second"
              type="number"
              required
              min={1}
              max={100_000}
              value={rps}
              onChange={(e) => setRps(e.target.value)}
            />
          </div>
          <div>
            <TextField
              id={`${id}-burst`}
              label="Burst"
              type="number"
              required
              min={1}
              max={1_000_000}
              value={burst}
              onChange={(e) => setBurst(e.target.value)}
            />
          </div>
        </div>
      ) : null}
      <label>
        <input type="checkbox" checked={usageOn} onChange={(e) => setUsageOn(e.target.checked)} /> Limit usage
        (billable requests per day or month)
      </label>
      {usageOn ? (
        <div className="inline-fields">
          <div>
            <TextField
              id={`${id}-usage`}
              label="Usage limit (requests)"
              type="number"
              required
              min={1}
              value={requests}
              onChange={(e) => setRequests(e.target.value)}
            />
          </div>
          <div>
            <SelectField id={`${id}-period`} label="Per" value={period} onChange={setPeriod}>
              <option value="day">day (UTC)</option>
              <option value="month">month (UTC)</option>
            </SelectField>
          </div>
        </div>
      ) : null}
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

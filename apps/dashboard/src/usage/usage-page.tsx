import { useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api, listAll } from '../api/client';
import type { ApiKey, Granularity, Session, Usage, UsageLimit } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { formatMs, formatNumber, maskedKey } from '../components/format';
import { useAsync } from '../components/use-async';

const RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000, granularity: 'minute' },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000, granularity: 'hour' },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, granularity: 'hour' },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, granularity: 'day' },
] as const;

function periodStart(period: 'day' | 'month', now = new Date()): Date {
  return period === 'day'
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

function usagePath(keyId: string, params: URLSearchParams): string {
  return `${keyId === 'org' ? '/v1/usage' : `/v1/keys/${keyId}/usage`}?${params.toString()}`;
}

/** The limit of the organization or key, how much of the current period is used and what is left. */
function LimitMeter({ limit, keyId, label }: { limit: UsageLimit | null; keyId: string; label: string }) {
  const used = useAsync(async () => {
    if (limit === null) return null;
    const params = new URLSearchParams({
      from: periodStart(limit.period).toISOString(),
      to: new Date().toISOString(),
      granularity: 'day',
    });
    return (await api.get<Usage>(usagePath(keyId, params))).data.billable_requests;
  }, [limit?.period, limit?.requests, keyId]);
  if (limit === null) return <p className="muted">{label}: no usage limit.</p>;
  const count = used.data ?? 0;
  const left = Math.max(0, limit.requests - count);
  return (
    <div className="limit">
      <label htmlFor={`meter-${keyId}`}>
        {label}: {formatNumber(count)} of {formatNumber(limit.requests)} billable requests this {limit.period}{' '}
        — <strong>{formatNumber(left)} left</strong>
      </label>
      <meter id={`meter-${keyId}`} min={0} max={limit.requests} value={count} high={limit.requests * 0.9} />
      <ErrorMessage error={used.error} />
    </div>
  );
}

/** Usage per organization or per key: requests over time, errors, latency, countries, MCPs. */
export function UsagePage({ session }: { session: Session }) {
  const [keyId, setKeyId] = useState('org');
  const [range, setRange] = useState<(typeof RANGES)[number]['value']>('24h');
  const [granularity, setGranularity] = useState<Granularity>('hour');
  const [tick, setTick] = useState(0);
  const keys = useAsync(() => listAll<ApiKey>('/v1/keys'), []);
  const usage = useAsync(async () => {
    const span = RANGES.find((r) => r.value === range)!;
    const now = Date.now();
    const params = new URLSearchParams({
      from: new Date(now - span.ms).toISOString(),
      to: new Date(now).toISOString(),
      granularity,
      breakdown: 'mcp,status_class,country',
    });
    return (await api.get<Usage>(usagePath(keyId, params))).data;
  }, [keyId, range, granularity, tick]);

  const selectedKey = (keys.data ?? []).find((k) => k.id === keyId) ?? null;
  const limit: UsageLimit | null =
    keyId === 'org'
      ? session.org_monthly_limit === null
        ? null
        : { requests: session.org_monthly_limit, period: 'month' }
      : (selectedKey?.usage_limit ?? null);
  const u = usage.data;
  const series = (u?.series ?? []).map((p) => ({
    time: new Date(p.start).toLocaleString(
      undefined,
      granularity === 'day'
        ? { dateStyle: 'short' }
        : { timeStyle: 'short', dateStyle: granularity === 'hour' ? 'short' : undefined },
    ),
    requests: p.requests,
    errors: p.errors,
  }));
  const classes = u?.by_status_class
    ? (['2xx', '3xx', '4xx', '5xx'] as const).map((c) => ({ status: c, requests: u.by_status_class![c] }))
    : [];

  return (
    <section aria-labelledby="usage-title">
      <div className="page-head">
        <h1 id="usage-title">Usage</h1>
        <button type="button" onClick={() => setTick(tick + 1)}>
          Refresh
        </button>
      </div>
      <div className="filters">
        <div>
          <label htmlFor="usage-key">Show</label>
          <select id="usage-key" value={keyId} onChange={(e) => setKeyId(e.target.value)}>
            <option value="org">Whole organization</option>
            {(keys.data ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({maskedKey(k.prefix, k.last4)}){k.status === 'active' ? '' : ` — ${k.status}`}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="usage-range">Period</label>
          <select
            id="usage-range"
            value={range}
            onChange={(e) => {
              const next = RANGES.find((r) => r.value === e.target.value)!;
              setRange(next.value);
              setGranularity(next.granularity);
            }}
          >
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="usage-granularity">Per</label>
          <select
            id="usage-granularity"
            value={granularity}
            onChange={(e) => setGranularity(e.target.value as Granularity)}
          >
            <option value="minute">minute</option>
            <option value="hour">hour</option>
            <option value="day">day</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={usage.error ?? keys.error} />
      <LimitMeter
        limit={limit}
        keyId={keyId}
        label={keyId === 'org' ? 'Organization monthly limit' : `Limit of ${selectedKey?.name ?? 'this key'}`}
      />
      {u ? (
        <>
          <dl className="cards" aria-label="Totals">
            <div>
              <dt>Requests</dt>
              <dd data-testid="total-requests">{formatNumber(u.total_requests)}</dd>
            </div>
            <div>
              <dt>Billable</dt>
              <dd>{formatNumber(u.billable_requests)}</dd>
            </div>
            <div>
              <dt>4xx errors</dt>
              <dd>{formatNumber(u.errors['4xx'])}</dd>
            </div>
            <div>
              <dt>5xx errors</dt>
              <dd>{formatNumber(u.errors['5xx'])}</dd>
            </div>
            <div>
              <dt>Latency p50 / p95 / p99</dt>
              <dd>
                {formatMs(u.latency_ms.p50)} / {formatMs(u.latency_ms.p95)} / {formatMs(u.latency_ms.p99)}
              </dd>
            </div>
          </dl>
          <h2>Requests over time</h2>
          <figure className="chart" aria-label={`Requests and errors per ${granularity}`}>
            <ResponsiveContainer width="100%" height={260}>
              <LineChart data={series} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="time" minTickGap={24} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Line
                  type="monotone"
                  dataKey="requests"
                  stroke="#1d4ed8"
                  dot={false}
                  isAnimationActive={false}
                />
                <Line
                  type="monotone"
                  dataKey="errors"
                  stroke="#b91c1c"
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </figure>
          <div className="split">
            <div>
              <h2>By status class</h2>
              <figure className="chart" aria-label="Requests by status class">
                <ResponsiveContainer width="100%" height={200}>
                  <BarChart data={classes}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="status" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="requests" fill="#1d4ed8" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
            </div>
            <div>
              <h2>Countries</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Country</th>
                    <th scope="col">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {(u.by_country ?? []).map((c) => (
                    <tr key={c.country ?? 'unknown'}>
                      <td>{c.country ?? 'unknown'}</td>
                      <td>{formatNumber(c.requests)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h2>By MCP</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">MCP</th>
                    <th scope="col">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {(u.by_mcp ?? []).map((m) => (
                    <tr key={m.mcp_id ?? 'none'}>
                      <td>{m.mcp_id ?? 'REST API (no MCP)'}</td>
                      <td>{formatNumber(m.requests)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </>
      ) : usage.loading ? (
        <p>Loading…</p>
      ) : null}
    </section>
  );
}

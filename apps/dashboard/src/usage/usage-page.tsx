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
import { api } from '../api/client';
import type { ApiKey, Granularity, Session, Usage, UsageLimit } from '../api/types';
import { DataTable } from '../components/data-table';
import { ErrorMessage } from '../components/error-message';
import { Filter, Options } from '../components/fields';
import { formatMs, formatNumber, maskedKey } from '../components/format';
import { Page } from '../components/page';
import { pathKey, useList, useLoad } from '../components/queries';

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
  const used = useLoad(
    pathKey(usagePath(keyId, new URLSearchParams()), 'limit', limit?.period),
    async (signal) => {
      if (limit === null) return null;
      const params = new URLSearchParams({
        from: periodStart(limit.period).toISOString(),
        to: new Date().toISOString(),
        granularity: 'day',
      });
      return (await api.get<Usage>(usagePath(keyId, params), signal)).data.billable_requests;
    },
    { enabled: limit !== null },
  );
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
  const keys = useList<ApiKey>('/v1/keys');
  const usage = useLoad(
    pathKey(usagePath(keyId, new URLSearchParams()), range, granularity),
    async (signal) => {
      const span = RANGES.find((r) => r.value === range)!;
      const now = Date.now();
      const params = new URLSearchParams({
        from: new Date(now - span.ms).toISOString(),
        to: new Date(now).toISOString(),
        granularity,
        breakdown: 'mcp,status_class,country',
      });
      return (await api.get<Usage>(usagePath(keyId, params), signal)).data;
    },
  );

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
    <Page
      name="usage"
      title="Usage"
      action={
        <button type="button" onClick={() => void usage.reload()}>
          Refresh
        </button>
      }
      filters={
        <>
          <Filter id="usage-key" label="Show" value={keyId} onChange={setKeyId}>
            <option value="org">Whole organization</option>
            {(keys.data ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({maskedKey(k.prefix, k.last4)}){k.status === 'active' ? '' : ` — ${k.status}`}
              </option>
            ))}
          </Filter>
          <Filter
            id="usage-range"
            label="Period"
            value={range}
            onChange={(value) => {
              const next = RANGES.find((r) => r.value === value)!;
              setRange(next.value);
              setGranularity(next.granularity);
            }}
          >
            <Options of={RANGES} />
          </Filter>
          <Filter id="usage-granularity" label="Per" value={granularity} onChange={setGranularity}>
            <option value="minute">minute</option>
            <option value="hour">hour</option>
            <option value="day">day</option>
          </Filter>
        </>
      }
      error={usage.error ?? keys.error}
      refreshError={usage.refreshError ?? keys.refreshError}
    >
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
              <DataTable
                wrapped={false}
                rows={u.by_country ?? []}
                rowKey={(c) => c.country ?? 'unknown'}
                columns={[
                  { header: 'Country', cell: (c) => c.country ?? 'unknown' },
                  { header: 'Requests', cell: (c) => formatNumber(c.requests) },
                ]}
              />
            </div>
            <div>
              <h2>By MCP</h2>
              <DataTable
                wrapped={false}
                rows={u.by_mcp ?? []}
                rowKey={(m) => m.mcp_id ?? 'none'}
                columns={[
                  { header: 'MCP', cell: (m) => m.mcp_id ?? 'REST API (no MCP)' },
                  { header: 'Requests', cell: (m) => formatNumber(m.requests) },
                ]}
              />
            </div>
          </div>
        </>
      ) : usage.loading ? (
        <p>Loading…</p>
      ) : null}
    </Page>
  );
}

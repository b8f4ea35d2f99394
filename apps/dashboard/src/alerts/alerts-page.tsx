import { useEffect, useState } from 'react';
import { api, listAll } from '../api/client';
import type { Alert, AlertType } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { formatDate } from '../components/format';
import { useAction } from '../components/use-action';
import { useAsync } from '../components/use-async';

const TYPE_LABELS: Record<AlertType, string> = {
  error_spike: 'Error rate spike',
  new_location: 'New location',
  request_spike: 'Request spike',
  key_expiring: 'Key expiring',
};
const REFRESH_MS = 5_000;

function pct(n: unknown): string {
  return typeof n === 'number' ? `${(n * 100).toFixed(1)}%` : '—';
}

/** One value of an alert's `details` as text; anything but a string or number reads as `fallback`. */
function fact(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

/** The type-specific facts of an alert, in words. */
function AlertDetails({ alert }: { alert: Alert }) {
  const d = alert.details;
  switch (alert.type) {
    case 'new_location':
      return (
        <>
          Country <strong>{fact(d.country, 'unknown')}</strong>; seen before:{' '}
          {Array.isArray(d.known_countries) && d.known_countries.length > 0
            ? d.known_countries.join(', ')
            : 'none'}
        </>
      );
    case 'error_spike':
      return (
        <>
          {fact(d.window_errors, '?')} errors in {fact(d.window_requests, '?')} requests ({pct(d.error_rate)};
          baseline {pct(d.baseline_error_rate)})
        </>
      );
    case 'request_spike':
      return (
        <>
          {fact(d.window_requests_per_minute, '?')} requests/min (baseline{' '}
          {fact(d.baseline_requests_per_minute, '?')})
        </>
      );
    case 'key_expiring':
      return <>Expires {typeof d.expires_at === 'string' ? formatDate(d.expires_at) : '—'}</>;
    default:
      return <code>{JSON.stringify(d)}</code>;
  }
}

/** Alerts: unusual request patterns, new locations, error spikes, expiring keys; acknowledge. */
export function AlertsPage() {
  const [status, setStatus] = useState<'open' | 'acknowledged' | 'all'>('open');
  const [type, setType] = useState<AlertType | 'all'>('all');
  const action = useAction();
  const alerts = useAsync(() => {
    const params = new URLSearchParams();
    if (status !== 'all') params.set('status', status);
    if (type !== 'all') params.set('type', type);
    return listAll<Alert>(`/v1/alerts?${params.toString()}`, 200);
  }, [status, type]);
  const { reload } = alerts;
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const acknowledge = (alert: Alert) =>
    action.run(async () => {
      await api.post(`/v1/alerts/${alert.id}/ack`);
    }, reload);

  return (
    <section aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">Alerts</h1>
        <button type="button" onClick={() => void reload()}>
          Refresh
        </button>
      </div>
      <div className="filters">
        <div>
          <label htmlFor="alert-status">Status</label>
          <select
            id="alert-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as typeof status)}
          >
            <option value="open">Open</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="all">All</option>
          </select>
        </div>
        <div>
          <label htmlFor="alert-type">Type</label>
          <select id="alert-type" value={type} onChange={(e) => setType(e.target.value as typeof type)}>
            <option value="all">All types</option>
            {(Object.keys(TYPE_LABELS) as AlertType[]).map((t) => (
              <option key={t} value={t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={action.error ?? alerts.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Alerts</caption>
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">Type</th>
              <th scope="col">Key</th>
              <th scope="col">What happened</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(alerts.data ?? []).map((a) => (
              <tr key={a.id} data-alert-type={a.type} data-alert-id={a.id}>
                <td>{formatDate(a.created_at)}</td>
                <td>
                  <span className={`badge alert-${a.type}`}>{TYPE_LABELS[a.type] ?? a.type}</span>
                </td>
                <td>
                  <code>{a.key_id}</code>
                </td>
                <td>
                  {a.message}
                  <br />
                  <span className="muted">
                    <AlertDetails alert={a} />
                  </span>
                </td>
                <td>{a.status === 'open' ? 'open' : `acknowledged ${formatDate(a.acknowledged_at)}`}</td>
                <td className="row-actions">
                  {a.status === 'open' ? (
                    <button
                      type="button"
                      onClick={() => void acknowledge(a)}
                      aria-label={`Acknowledge ${TYPE_LABELS[a.type]} alert ${a.id}`}
                    >
                      Acknowledge
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {alerts.data?.length === 0 ? <p className="muted">No alerts.</p> : null}
      </div>
    </section>
  );
}

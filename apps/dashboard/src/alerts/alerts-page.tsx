import { useState } from 'react';
import { api } from '../api/client';
import type { Alert, AlertType, Session } from '../api/types';
import { DataTable } from '../components/data-table';
import { Filter, Options } from '../components/fields';
import { formatDate } from '../components/format';
import { Page } from '../components/page';
import { useAction } from '../components/use-action';
import { useInvalidate, useList } from '../components/queries';
import { AlertThresholdsSection } from './alert-thresholds';

const TYPE_LABELS: Record<AlertType, string> = {
  error_spike: 'Error rate spike',
  new_location: 'New location',
  request_spike: 'Request spike',
  key_expiring: 'Key expiring',
  key_leaked: 'Key leaked',
};
const TYPE_OPTIONS = (Object.keys(TYPE_LABELS) as AlertType[]).map((t) => ({
  value: t,
  label: TYPE_LABELS[t],
}));
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
    case 'key_leaked':
      return (
        <>
          Found in public at <code>{fact(d.url, '?')}</code> ({fact(d.source, '?')}); {fact(d.action, '?')}
        </>
      );
    default:
      return <code>{JSON.stringify(d)}</code>;
  }
}

/** Alerts: unusual request patterns, new locations, error spikes, expiring keys; acknowledge; the thresholds. */
export function AlertsPage({ session }: { session: Session }) {
  const [status, setStatus] = useState<'open' | 'acknowledged' | 'all'>('open');
  const [type, setType] = useState<AlertType | 'all'>('all');
  const action = useAction();
  const params = new URLSearchParams();
  if (status !== 'all') params.set('status', status);
  if (type !== 'all') params.set('type', type);
  const alerts = useList<Alert>(`/v1/alerts?${params.toString()}`, 200, { refetchInterval: REFRESH_MS });
  const { reload } = alerts;
  const invalidate = useInvalidate();

  const acknowledge = (alert: Alert) =>
    action.run(
      async () => {
        await api.post(`/v1/alerts/${alert.id}/ack`);
      },
      () => invalidate('/v1/alerts'),
    );

  return (
    <Page
      name="alerts"
      title="Alerts"
      action={
        <button type="button" onClick={() => void reload()}>
          Refresh
        </button>
      }
      filters={
        <>
          <Filter id="alert-status" label="Status" value={status} onChange={setStatus}>
            <option value="open">Open</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="all">All</option>
          </Filter>
          <Filter id="alert-type" label="Type" value={type} onChange={setType}>
            <option value="all">All types</option>
            <Options of={TYPE_OPTIONS} />
          </Filter>
        </>
      }
      error={action.error ?? alerts.error}
      refreshError={alerts.refreshError}
    >
      <DataTable
        caption="Alerts"
        rows={alerts.data}
        rowKey={(a) => a.id}
        rowProps={(a) => ({ 'data-alert-type': a.type, 'data-alert-id': a.id })}
        empty="No alerts."
        columns={[
          { header: 'Raised', cell: (a) => formatDate(a.created_at) },
          {
            header: 'Type',
            cell: (a) => <span className={`badge alert-${a.type}`}>{TYPE_LABELS[a.type] ?? a.type}</span>,
          },
          { header: 'Key', cell: (a) => <code>{a.key_id}</code> },
          {
            header: 'What happened',
            cell: (a) => (
              <>
                {a.message}
                <br />
                <span className="muted">
                  <AlertDetails alert={a} />
                </span>
              </>
            ),
          },
          {
            header: 'Status',
            cell: (a) => (a.status === 'open' ? 'open' : `acknowledged ${formatDate(a.acknowledged_at)}`),
          },
        ]}
        actions={(a) =>
          a.status === 'open' ? (
            <button
              type="button"
              onClick={() => void acknowledge(a)}
              aria-label={`Acknowledge ${TYPE_LABELS[a.type]} alert ${a.id}`}
            >
              Acknowledge
            </button>
          ) : null
        }
      />
      <AlertThresholdsSection session={session} />
    </Page>
  );
}

import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Organization, Session } from '../api/types';
import { TextField } from '../components/fields';
import { formatDate, formatNumber } from '../components/format';
import { ErrorMessage } from '../components/error-message';
import { ConfirmModal } from '../components/modal';
import { Page } from '../components/page';
import { pathKey, useInvalidate, useLoad } from '../components/queries';
import { useAction, useSubmit } from '../components/use-action';
import { SsoSettings } from './sso-settings';

/** `10.0.0.0/8, 2001:db8::/32` (commas or new lines) → the list; empty → no allowlist. */
function parseAllowlist(text: string): string[] | null {
  const list = text
    .split(/[\s,]+/)
    .map((c) => c.trim())
    .filter(Boolean);
  return list.length === 0 ? null : list;
}

function SettingsForm({ org, onSaved }: { org: Organization; onSaved: () => void }) {
  const [name, setName] = useState(org.name);
  const [limit, setLimit] = useState(
    org.monthly_request_limit === null ? '' : String(org.monthly_request_limit),
  );
  const [allowlist, setAllowlist] = useState((org.ip_allowlist ?? []).join('\n'));
  useEffect(() => {
    setName(org.name);
    setLimit(org.monthly_request_limit === null ? '' : String(org.monthly_request_limit));
    setAllowlist((org.ip_allowlist ?? []).join('\n'));
  }, [org]);
  const save = useSubmit(async () => {
    await api.patch<Organization>('/v1/organization', {
      name,
      monthly_request_limit: limit.trim() === '' ? null : Number(limit),
      ip_allowlist: parseAllowlist(allowlist),
    });
    onSaved();
  });
  return (
    <form className="form" onSubmit={save.onSubmit} aria-labelledby="org-settings-form">
      <h2 id="org-settings-form">Settings</h2>
      <TextField
        id="org-name"
        label="Name"
        required
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        id="org-limit"
        label="Monthly live-request limit (empty: none)"
        inputMode="numeric"
        pattern="[0-9]*"
        value={limit}
        onChange={(e) => setLimit(e.target.value)}
      />
      <label htmlFor="org-allowlist">IP allowlist (CIDRs, one per line; empty: any address)</label>
      <textarea
        id="org-allowlist"
        rows={4}
        value={allowlist}
        onChange={(e) => setAllowlist(e.target.value)}
      />
      <p className="muted">
        The allowlist must include the address you are using now, or the change is refused.
      </p>
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.busy}>
          Save settings
        </button>
      </div>
    </form>
  );
}

/**
 * The organization: its name, monthly limit, IP allowlist and status. Everyone reads them; only an
 * owner changes them or suspends the organization (which stops every key and session at once — only
 * the operator can reactivate it).
 */
export function OrgSettingsPage({ session }: { session: Session }) {
  const owner = session.account?.role === 'owner';
  const org = useLoad(pathKey('/v1/organization'), (signal) =>
    api.get<Organization>('/v1/organization', signal).then((r) => r.data),
  );
  const invalidate = useInvalidate();
  const [status, setStatus] = useState('');
  const [suspending, setSuspending] = useState(false);
  const action = useAction();
  const data = org.data;
  return (
    <Page
      name="organization"
      title="Organization"
      action={
        owner && data?.status === 'active' ? (
          <button type="button" className="danger" onClick={() => setSuspending(true)}>
            Suspend organization
          </button>
        ) : null
      }
      status={status}
      error={action.error ?? org.error}
      refreshError={org.refreshError}
    >
      {data ? (
        <dl className="details">
          <dt>Name</dt>
          <dd data-testid="org-name">{data.name}</dd>
          <dt>Id</dt>
          <dd>{data.id}</dd>
          <dt>Status</dt>
          <dd>{data.status}</dd>
          <dt>Monthly limit</dt>
          <dd>
            {data.monthly_request_limit === null
              ? 'none'
              : `${formatNumber(data.monthly_request_limit)} requests`}
          </dd>
          <dt>IP allowlist</dt>
          <dd>{data.ip_allowlist?.join(', ') || 'any address'}</dd>
          <dt>Created</dt>
          <dd>{formatDate(data.created_at)}</dd>
        </dl>
      ) : null}
      {owner && data ? (
        <SettingsForm
          org={data}
          onSaved={() => {
            setStatus('Settings saved.');
            void invalidate('/v1/organization');
          }}
        />
      ) : (
        <p className="muted">Only an owner can change these settings.</p>
      )}
      {owner && data ? <SsoSettings onStatus={setStatus} /> : null}
      {suspending ? (
        <ConfirmModal
          title="Suspend this organization?"
          message="Every API key and every member's session stops working at once, yours included. Only the PlexMCP operator can reactivate it."
          confirmLabel="Suspend"
          busy={action.busy}
          onClose={() => setSuspending(false)}
          onConfirm={() =>
            void action.run(
              async () => {
                await api.patch('/v1/organization', { status: 'suspended' });
                setStatus('The organization is suspended.');
              },
              async () => {
                setSuspending(false);
                await invalidate('/v1/organization');
              },
            )
          }
        />
      ) : null}
    </Page>
  );
}

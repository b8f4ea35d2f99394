import { useState } from 'react';
import { api } from '../api/client';
import type { ApiKey, Session } from '../api/types';
import { DataTable } from '../components/data-table';
import { Options, SelectField } from '../components/fields';
import { EXPIRY_WARNING_DAYS, daysUntil, formatDate, maskedKey } from '../components/format';
import { ConfirmModal } from '../components/modal';
import { Page } from '../components/page';
import { SecretReveal } from '../components/secret-reveal';
import { useAction, useConfirm } from '../components/use-action';
import { useInvalidate, useList } from '../components/queries';
import { CreateKeyForm } from './create-key-form';

const GRACE = [
  { value: '0', label: 'None: revoke the old key now' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
] as const;

function Expiry({ apiKey }: { apiKey: ApiKey }) {
  const days = daysUntil(apiKey.expires_at);
  const soon = apiKey.status === 'active' && days <= EXPIRY_WARNING_DAYS;
  return (
    <span className={soon ? 'badge warn' : undefined}>
      {formatDate(apiKey.expires_at)}
      {soon ? ` — expires in ${days} day${days === 1 ? '' : 's'}` : ''}
    </span>
  );
}

/** API Keys: list, create (one-time reveal), revoke, rotate. */
export function KeysPage({ session }: { session: Session }) {
  const keys = useList<ApiKey>('/v1/keys');
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<{ title: string; secret: string } | null>(null);
  const [grace, setGrace] = useState<string>('0');
  const [status, setStatus] = useState('');
  const action = useAction();
  const invalidate = useInvalidate();
  const changed = () => invalidate('/v1/keys');
  const revoking = useConfirm<ApiKey>(action, changed);
  const rotating = useConfirm<ApiKey>(action, changed);

  return (
    <Page
      name="keys"
      title="API Keys"
      action={
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create API Key
        </button>
      }
      status={status}
      error={action.error ?? keys.error}
      refreshError={keys.refreshError}
    >
      <DataTable
        caption="API keys of this organization"
        rows={keys.data}
        rowKey={(k) => k.id}
        rowProps={(k) => ({ 'data-key-id': k.id })}
        empty="No keys yet."
        columns={[
          {
            header: 'Name',
            cell: (k) => (
              <>
                {k.name}
                {k.id === session.key_id ? <span className="badge">this session</span> : null}
              </>
            ),
          },
          { header: 'Key', cell: (k) => <code>{maskedKey(k.prefix, k.last4)}</code> },
          { header: 'Mode', cell: (k) => k.mode },
          {
            header: 'MCPs',
            cell: (k) => (k.permissions.mcps === '*' ? 'All MCPs' : k.permissions.mcps.join(', ') || 'none'),
          },
          {
            header: 'Scopes',
            cell: (k) => (k.scopes.length ? k.scopes.join(', ') : <span className="muted">none</span>),
          },
          { header: 'Expires', cell: (k) => <Expiry apiKey={k} /> },
          { header: 'Last used', cell: (k) => formatDate(k.last_used_at) },
          { header: 'Status', cell: (k) => <span className={`badge status-${k.status}`}>{k.status}</span> },
        ]}
        actions={(k) =>
          k.status === 'active' ? (
            <>
              <button type="button" onClick={() => rotating.ask(k)} aria-label={`Rotate ${k.name}`}>
                Rotate
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => revoking.ask(k)}
                aria-label={`Revoke ${k.name}`}
              >
                Revoke
              </button>
            </>
          ) : null
        }
      />

      {creating ? (
        <CreateKeyForm
          onClose={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            setRevealed({ title: `API key “${created.name}” created`, secret: created.secret });
            setStatus(`Created ${created.name}.`);
            void changed();
          }}
        />
      ) : null}
      {revealed ? (
        <SecretReveal
          title={revealed.title}
          label="Your new API key"
          secret={revealed.secret}
          onDone={() => setRevealed(null)}
        />
      ) : null}
      {revoking.target ? (
        <ConfirmModal
          title={`Revoke “${revoking.target.name}”?`}
          message={`Every request with ${maskedKey(revoking.target.prefix, revoking.target.last4)} will be refused from now on. This cannot be undone.`}
          confirmLabel="Revoke key"
          busy={action.busy}
          onClose={revoking.cancel}
          onConfirm={revoking.confirm(async (k) => {
            await api.delete(`/v1/keys/${k.id}`);
            setStatus(`Revoked ${k.name}.`);
          })}
        />
      ) : null}
      {rotating.target ? (
        <ConfirmModal
          title={`Rotate “${rotating.target.name}”?`}
          message="A new key with the same name and permissions is created and shown once. The old key keeps working for the grace period, then is revoked."
          confirmLabel="Rotate key"
          busy={action.busy}
          onClose={rotating.cancel}
          onConfirm={rotating.confirm(async (k) => {
            const rotated = await api.post<ApiKey & { secret: string }>(`/v1/keys/${k.id}/rotate`, {
              grace_period: grace,
            });
            setRevealed({ title: `API key “${rotated.data.name}” rotated`, secret: rotated.data.secret });
            setStatus(`Rotated ${k.name}.`);
          })}
        >
          <SelectField
            id="grace-period"
            label="Grace period for the old key"
            value={grace}
            onChange={setGrace}
          >
            <Options of={GRACE} />
          </SelectField>
        </ConfirmModal>
      ) : null}
    </Page>
  );
}

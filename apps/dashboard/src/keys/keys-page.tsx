import { useState } from 'react';
import { api, listAll } from '../api/client';
import type { ApiKey, Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { EXPIRY_WARNING_DAYS, daysUntil, formatDate, maskedKey } from '../components/format';
import { ConfirmModal } from '../components/modal';
import { SecretReveal } from '../components/secret-reveal';
import { useAction } from '../components/use-action';
import { useAsync } from '../components/use-async';
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
  const keys = useAsync(() => listAll<ApiKey>('/v1/keys'), []);
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<{ title: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [rotating, setRotating] = useState<ApiKey | null>(null);
  const [grace, setGrace] = useState<string>('0');
  const [status, setStatus] = useState('');
  const action = useAction();

  const act = (work: () => Promise<void>) =>
    action.run(work, async () => {
      setRevoking(null);
      setRotating(null);
      await keys.reload();
    });

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">API Keys</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create API Key
        </button>
      </div>
      <p role="status" aria-live="polite" className="muted">
        {status}
      </p>
      <ErrorMessage error={action.error ?? keys.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">API keys of this organization</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Mode</th>
              <th scope="col">MCPs</th>
              <th scope="col">Scopes</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((k) => (
              <tr key={k.id} data-key-id={k.id}>
                <td>
                  {k.name}
                  {k.id === session.key_id ? <span className="badge">this session</span> : null}
                </td>
                <td>
                  <code>{maskedKey(k.prefix, k.last4)}</code>
                </td>
                <td>{k.mode}</td>
                <td>{k.permissions.mcps === '*' ? 'All MCPs' : k.permissions.mcps.join(', ') || 'none'}</td>
                <td>{k.scopes.length ? k.scopes.join(', ') : <span className="muted">none</span>}</td>
                <td>
                  <Expiry apiKey={k} />
                </td>
                <td>{formatDate(k.last_used_at)}</td>
                <td>
                  <span className={`badge status-${k.status}`}>{k.status}</span>
                </td>
                <td className="row-actions">
                  {k.status === 'active' ? (
                    <>
                      <button type="button" onClick={() => setRotating(k)} aria-label={`Rotate ${k.name}`}>
                        Rotate
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => setRevoking(k)}
                        aria-label={`Revoke ${k.name}`}
                      >
                        Revoke
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {keys.data?.length === 0 ? <p className="muted">No keys yet.</p> : null}
      </div>

      {creating ? (
        <CreateKeyForm
          onClose={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            setRevealed({ title: `API key “${created.name}” created`, secret: created.secret });
            setStatus(`Created ${created.name}.`);
            void keys.reload();
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
      {revoking ? (
        <ConfirmModal
          title={`Revoke “${revoking.name}”?`}
          message={`Every request with ${maskedKey(revoking.prefix, revoking.last4)} will be refused from now on. This cannot be undone.`}
          confirmLabel="Revoke key"
          busy={action.busy}
          onClose={() => setRevoking(null)}
          onConfirm={() =>
            void act(async () => {
              await api.delete(`/v1/keys/${revoking.id}`);
              setStatus(`Revoked ${revoking.name}.`);
            })
          }
        />
      ) : null}
      {rotating ? (
        <ConfirmModal
          title={`Rotate “${rotating.name}”?`}
          message="A new key with the same name and permissions is created and shown once. The old key keeps working for the grace period, then is revoked."
          confirmLabel="Rotate key"
          busy={action.busy}
          onClose={() => setRotating(null)}
          onConfirm={() =>
            void act(async () => {
              const rotated = await api.post<ApiKey & { secret: string }>(`/v1/keys/${rotating.id}/rotate`, {
                grace_period: grace,
              });
              setRevealed({ title: `API key “${rotated.data.name}” rotated`, secret: rotated.data.secret });
              setStatus(`Rotated ${rotating.name}.`);
            })
          }
        >
          <label htmlFor="grace-period">Grace period for the old key</label>
          <select id="grace-period" value={grace} onChange={(e) => setGrace(e.target.value)}>
            {GRACE.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </ConfirmModal>
      ) : null}
    </section>
  );
}

import { useMemo, useState } from 'react';
import { api } from '../api/client';
import type { ApiKey, Mcp, Session } from '../api/types';
import { DataTable } from '../components/data-table';
import { Filter, FilterInput, Options, SelectField } from '../components/fields';
import { EXPIRY_WARNING_DAYS, daysUntil, formatDate, maskedKey } from '../components/format';
import { ConfirmModal } from '../components/modal';
import { Page } from '../components/page';
import { useInvalidate, useList } from '../components/queries';
import { SecretReveal } from '../components/secret-reveal';
import { useAction, useConfirm } from '../components/use-action';
import { CreateKeyForm } from './create-key-form';
import { EditKeyForm } from './edit-key-form';
import { describeLimits } from './key-limits';
import { KeyLabels, allTags, labelTexts } from './key-labels';

const GRACE = [
  { value: '0', label: 'None: revoke the old key now' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
] as const;

type ModeFilter = 'all' | 'live' | 'test';
type StatusFilter = 'current' | 'active' | 'disabled' | 'expired' | 'revoked' | 'all';
const STATUS_FILTERS: { value: StatusFilter; label: string }[] = [
  { value: 'current', label: 'Active and expired (not revoked)' },
  { value: 'active', label: 'Active' },
  { value: 'disabled', label: 'Disabled' },
  { value: 'expired', label: 'Expired' },
  { value: 'revoked', label: 'Revoked' },
  { value: 'all', label: 'All' },
];

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

/** Active, disabled, expired or revoked; a rotated key still in its grace period says when that ends. */
function Status({ apiKey }: { apiKey: ApiKey }) {
  return (
    <>
      <span className={`badge status-${apiKey.status}`}>{apiKey.status}</span>
      {apiKey.rotated_to !== null ? (
        <div className="muted">
          {apiKey.status === 'active' && apiKey.grace_ends_at !== null
            ? `rotated: works until ${formatDate(apiKey.grace_ends_at)}`
            : 'rotated'}
        </div>
      ) : null}
    </>
  );
}

/** What a key may call, by MCP name (an id only for an MCP this page cannot see or that is gone). */
function mcpNames(key: ApiKey, names: Map<string, string>): string {
  if (key.permissions.mcps === '*') return 'All MCPs';
  return key.permissions.mcps.map((id) => names.get(id) ?? id).join(', ') || 'none';
}

function matches(
  key: ApiKey,
  search: string,
  mode: ModeFilter,
  status: StatusFilter,
  mcp: string,
  tag: string,
  creator: string,
): boolean {
  if (tag !== 'any' && !key.tags.includes(tag)) return false;
  if (mode !== 'all' && key.mode !== mode) return false;
  if (creator !== 'anyone' && (key.created_by.id ?? 'system') !== creator) return false;
  if (status === 'current' ? key.status === 'revoked' : status !== 'all' && key.status !== status)
    return false;
  if (mcp !== 'any' && key.permissions.mcps !== '*' && !key.permissions.mcps.includes(mcp)) return false;
  const q = search.trim().toLowerCase();
  return (
    q === '' ||
    [key.name, key.id, maskedKey(key.prefix, key.last4), ...labelTexts(key)].some((text) =>
      text.toLowerCase().includes(q),
    )
  );
}

/** API Keys: search and filter, create (one-time reveal), edit, revoke, rotate. */
export function KeysPage({ session }: { session: Session }) {
  const keys = useList<ApiKey>('/v1/keys');
  const mcps = useList<Mcp>('/v1/mcps');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiKey | null>(null);
  const [revealed, setRevealed] = useState<{ title: string; secret: string } | null>(null);
  const [grace, setGrace] = useState<string>('0');
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [modeFilter, setModeFilter] = useState<ModeFilter>('all');
  const [statusFilter, setStatusFilter] = useState<StatusFilter>('current');
  const [mcpFilter, setMcpFilter] = useState('any');
  const [tagFilter, setTagFilter] = useState('any');
  const [creatorFilter, setCreatorFilter] = useState('anyone');
  const action = useAction();
  const invalidate = useInvalidate();
  const changed = () => invalidate('/v1/keys');
  const revoking = useConfirm<ApiKey>(action, changed);
  const rotating = useConfirm<ApiKey>(action, changed);
  /** Disabled keys are refused at once by every gateway until enabled again. */
  const setKeyStatus = (k: ApiKey, next: 'active' | 'disabled') =>
    action.run(async () => {
      await api.patch(`/v1/keys/${k.id}`, { status: next });
      setStatus(`${next === 'disabled' ? 'Disabled' : 'Enabled'} ${k.name}.`);
    }, changed);

  const names = useMemo(() => new Map((mcps.data ?? []).map((m) => [m.id, m.name])), [mcps.data]);
  const shown = useMemo(
    () =>
      keys.data?.filter((k) =>
        matches(k, search, modeFilter, statusFilter, mcpFilter, tagFilter, creatorFilter),
      ) ?? null,
    [keys.data, search, modeFilter, statusFilter, mcpFilter, tagFilter, creatorFilter],
  );
  // Who created the keys listed: a person, a key, or the system (the operator's CLI).
  const creators = useMemo(
    () => [
      ...new Map((keys.data ?? []).map((k) => [k.created_by.id ?? 'system', k.created_by.display])).entries(),
    ],
    [keys.data],
  );
  const hidden = (keys.data?.length ?? 0) - (shown?.length ?? 0);
  // A session without keys:write (a viewer) sees the keys but none of the buttons that change them.
  const canWrite = session.scopes.includes('keys:write');

  return (
    <Page
      name="keys"
      title="API Keys"
      action={
        canWrite ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create API Key
          </button>
        ) : null
      }
      status={status}
      filters={
        <>
          <FilterInput id="key-search" label="Search keys" type="search" value={search} onValue={setSearch} />
          <Filter id="key-mode-filter" label="Mode" value={modeFilter} onChange={setModeFilter}>
            <option value="all">All modes</option>
            <option value="live">Live</option>
            <option value="test">Test</option>
          </Filter>
          <Filter id="key-status-filter" label="Status" value={statusFilter} onChange={setStatusFilter}>
            <Options of={STATUS_FILTERS} />
          </Filter>
          <Filter id="key-mcp-filter" label="MCP" value={mcpFilter} onChange={setMcpFilter}>
            <option value="any">Any MCP</option>
            <Options of={(mcps.data ?? []).map((m) => ({ value: m.id, label: `${m.name} (${m.mode})` }))} />
          </Filter>
          <Filter id="key-tag-filter" label="Tag" value={tagFilter} onChange={setTagFilter}>
            <option value="any">Any tag</option>
            <Options of={allTags(keys.data).map((t) => ({ value: t, label: t }))} />
          </Filter>
          <Filter
            id="key-creator-filter"
            label="Created by"
            value={creatorFilter}
            onChange={setCreatorFilter}
          >
            <option value="anyone">Anyone</option>
            <Options of={creators.map(([value, label]) => ({ value, label }))} />
          </Filter>
        </>
      }
      error={action.error ?? keys.error}
      refreshError={keys.refreshError}
    >
      <DataTable
        caption="API keys of this organization"
        rows={shown}
        rowKey={(k) => k.id}
        rowProps={(k) => ({ 'data-key-id': k.id })}
        empty={keys.data?.length ? 'No key matches these filters.' : 'No keys yet.'}
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
          { header: 'MCPs', cell: (k) => mcpNames(k, names) },
          {
            header: 'Scopes',
            cell: (k) => (k.scopes.length ? k.scopes.join(', ') : <span className="muted">none</span>),
          },
          { header: 'Labels', cell: (k) => <KeyLabels apiKey={k} /> },
          { header: 'Limits', cell: (k) => describeLimits(k) },
          { header: 'Expires', cell: (k) => <Expiry apiKey={k} /> },
          { header: 'Last used', cell: (k) => formatDate(k.last_used_at) },
          { header: 'Created by', cell: (k) => k.created_by.display },
          { header: 'Status', cell: (k) => <Status apiKey={k} /> },
        ]}
        actions={(k) =>
          canWrite && (k.status === 'active' || k.status === 'disabled') ? (
            <>
              <button type="button" onClick={() => setEditing(k)} aria-label={`Edit ${k.name}`}>
                Edit
              </button>
              <button
                type="button"
                onClick={() => void setKeyStatus(k, k.status === 'active' ? 'disabled' : 'active')}
                aria-label={`${k.status === 'active' ? 'Disable' : 'Enable'} ${k.name}`}
              >
                {k.status === 'active' ? 'Disable' : 'Enable'}
              </button>
              {k.rotated_to === null && k.status === 'active' ? (
                <button type="button" onClick={() => rotating.ask(k)} aria-label={`Rotate ${k.name}`}>
                  Rotate
                </button>
              ) : null}
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
      {hidden > 0 ? (
        <p className="muted" data-testid="keys-hidden">
          {hidden} key{hidden === 1 ? '' : 's'} hidden by the filters
          {statusFilter === 'current' ? ' (revoked keys are hidden unless Status says otherwise)' : ''}.
        </p>
      ) : null}

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
      {editing ? (
        <EditKeyForm
          apiKey={editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setStatus(`Saved ${saved.name}.`);
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

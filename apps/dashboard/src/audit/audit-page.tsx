import { type FormEvent, useMemo, useState } from 'react';
import { AUDIT_ACTIONS, type ApiKey, type AuditEntry, type Mcp } from '../api/types';
import { DataTable } from '../components/data-table';
import { FilterInput, Options, SelectField } from '../components/fields';
import { formatDate, maskedKey } from '../components/format';
import { Page } from '../components/page';
import { useList, usePagedList } from '../components/queries';

interface Filters {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { actor: '', action: '', target: '', from: '', to: '' };

/** The `/v1/audit` query of a set of filters; `from`/`to` are the browser's local date-times. */
function auditPath(f: Filters): string {
  const params = new URLSearchParams();
  if (f.actor) params.set('actor', f.actor);
  if (f.action) params.set('action', f.action);
  if (f.target.trim()) params.set('target', f.target.trim());
  if (f.from) params.set('from', new Date(f.from).toISOString());
  if (f.to) params.set('to', new Date(f.to).toISOString());
  const query = params.toString();
  return query ? `/v1/audit?${query}` : '/v1/audit';
}

/** What an entry's metadata says, as `name: value` pairs. */
function details(metadata: Record<string, unknown>): string {
  return Object.entries(metadata)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');
}

/** Audit: who changed which key, MCP or organization setting, when and from where; filterable. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const entries = usePagedList<AuditEntry>(auditPath(applied));
  const keys = useList<ApiKey>('/v1/keys');
  const mcps = useList<Mcp>('/v1/mcps');
  const keyLabel = useMemo(
    () => new Map((keys.data ?? []).map((k) => [k.id, `${k.name} (${maskedKey(k.prefix, k.last4)})`])),
    [keys.data],
  );
  const mcpName = useMemo(() => new Map((mcps.data ?? []).map((m) => [m.id, m.name])), [mcps.data]);
  const set = (field: keyof Filters) => (value: string) => setDraft({ ...draft, [field]: value });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
  };
  const target = (e: AuditEntry) =>
    (e.target_type === 'api_key'
      ? keyLabel.get(e.target_id)
      : e.target_type === 'mcp'
        ? mcpName.get(e.target_id)
        : undefined) ?? e.target_id;

  // The people who made keys, to filter on what they did.
  const people = useMemo(
    () => [
      ...new Map(
        (keys.data ?? [])
          .filter((k) => k.created_by.type === 'user')
          .map((k) => [k.created_by.id!, { value: k.created_by.id!, label: k.created_by.display }]),
      ).values(),
    ],
    [keys.data],
  );

  return (
    <Page
      name="audit"
      title="Audit"
      action={
        <button type="button" onClick={() => void entries.reload()}>
          Refresh
        </button>
      }
      filters={
        <form className="filters-form" aria-label="Audit filters" onSubmit={apply}>
          <div>
            <SelectField id="audit-actor" label="Actor" value={draft.actor} onChange={set('actor')}>
              <option value="">Anyone</option>
              <Options of={people} />
              <Options of={(keys.data ?? []).map((k) => ({ value: k.id, label: keyLabel.get(k.id)! }))} />
            </SelectField>
          </div>
          <div>
            <SelectField id="audit-action" label="Action" value={draft.action} onChange={set('action')}>
              <option value="">Any action</option>
              <Options of={AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))} />
            </SelectField>
          </div>
          <FilterInput
            id="audit-target"
            label="Target id"
            placeholder="key_… or mcp_…"
            value={draft.target}
            onValue={set('target')}
          />
          {(['from', 'to'] as const).map((field) => (
            <FilterInput
              key={field}
              id={`audit-${field}`}
              label={field === 'from' ? 'From' : 'To'}
              type="datetime-local"
              value={draft[field]}
              onValue={set(field)}
            />
          ))}
          <div className="filter-buttons">
            <button type="submit" className="primary">
              Apply filters
            </button>
            <button
              type="button"
              onClick={() => {
                setDraft(NO_FILTERS);
                setApplied(NO_FILTERS);
              }}
            >
              Clear
            </button>
          </div>
        </form>
      }
      error={entries.error}
      refreshError={entries.refreshError}
    >
      <DataTable
        caption="Audit log, newest first"
        rows={entries.data}
        rowKey={(e) => e.id}
        rowProps={(e) => ({ 'data-audit-action': e.action, 'data-target-id': e.target_id })}
        empty="No audit entries match."
        columns={[
          { header: 'When', cell: (e) => formatDate(e.created_at) },
          {
            header: 'Actor',
            cell: (e) =>
              e.actor.type === 'system' ? (
                <span className="muted">system</span>
              ) : (
                <span data-actor-type={e.actor.type}>{e.actor.display}</span>
              ),
          },
          { header: 'Action', cell: (e) => <code>{e.action}</code> },
          {
            header: 'Target',
            cell: (e) => (
              <>
                {target(e)} <span className="muted">({e.target_type})</span>
              </>
            ),
          },
          { header: 'IP', cell: (e) => e.ip ?? '—' },
          { header: 'Details', cell: (e) => details(e.metadata), className: 'wrap' },
        ]}
      />
      {entries.hasMore ? (
        <button type="button" onClick={entries.loadMore} disabled={entries.loading}>
          Load more
        </button>
      ) : null}
    </Page>
  );
}

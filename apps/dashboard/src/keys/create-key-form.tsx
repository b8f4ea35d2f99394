import { useMemo, useState } from 'react';
import { api } from '../api/client';
import { type ApiKey, type Mcp, type Mode, SCOPES, type Scope } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { CheckList, NameField, SelectField, TextField } from '../components/fields';
import { FormActions } from '../components/form-actions';
import { Modal } from '../components/modal';
import { useSubmit } from '../components/use-action';
import { useList } from '../components/queries';
import { useKeyLabels } from './key-labels';
import { useKeyLimits } from './key-limits';

type Expiration = '30d' | '90d' | '365d' | 'date';

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last instant of a chosen expiry day (UTC), as the API takes it. */
export function endOfDay(day: string): string {
  return new Date(`${day}T23:59:59Z`).toISOString();
}

/** Create API Key: name, live/test, expiration, MCP permissions, management scopes, limits, labels. */
export function CreateKeyForm({
  onCreated,
  onClose,
}: {
  onCreated: (key: ApiKey & { secret: string }) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<Mode>('live');
  const [expiration, setExpiration] = useState<Expiration>('90d');
  const [date, setDate] = useState('');
  const [allMcps, setAllMcps] = useState(true);
  const [mcpIds, setMcpIds] = useState<string[]>([]);
  const [scopes, setScopes] = useState<Scope[]>([]);
  const mcps = useList<Mcp>('/v1/mcps');
  const limits = useKeyLimits('key-create', { rate_limit: null, usage_limit: null });
  const labels = useKeyLabels('key-create', { tags: [], metadata: {}, ip_allowlist: null });
  const [minDate, maxDate] = useMemo(() => {
    const now = new Date();
    const max = new Date(now);
    max.setUTCFullYear(max.getUTCFullYear() + 1);
    max.setUTCDate(max.getUTCDate() - 1);
    return [isoDay(new Date(now.getTime() + 86_400_000)), isoDay(max)];
  }, []);

  const create = useSubmit(async () => {
    const body = {
      name,
      mode,
      permissions: { mcps: allMcps ? '*' : mcpIds },
      scopes,
      ...limits.value(),
      ...labels.value(),
      ...(expiration === 'date' ? { expires_at: endOfDay(date) } : { expires_in: expiration }),
    };
    const created = await api.post<ApiKey & { secret: string }>('/v1/keys', body);
    onCreated(created.data);
  });

  const eligible = (mcps.data ?? []).filter((m) => mode === 'live' || m.mode === 'test');

  return (
    <Modal title="Create API Key" onClose={onClose}>
      <form onSubmit={create.onSubmit} className="form">
        <NameField id="key-name" value={name} onChange={setName} />

        <fieldset>
          <legend>Mode</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'live'} onChange={() => setMode('live')} /> Live
            (pk_live_, counts toward usage limits)
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'test'} onChange={() => setMode('test')} /> Test
            (pk_test_, test MCPs only, not billed)
          </label>
        </fieldset>

        <SelectField id="key-expiration" label="Expiration" value={expiration} onChange={setExpiration}>
          <option value="30d">30 days</option>
          <option value="90d">90 days</option>
          <option value="365d">1 year</option>
          <option value="date">On a date…</option>
        </SelectField>
        {expiration === 'date' ? (
          <TextField
            id="key-expiry-date"
            label="Expiry date (at most one year from today)"
            type="date"
            required
            min={minDate}
            max={maxDate}
            value={date}
            onChange={(e) => setDate(e.target.value)}
          />
        ) : null}

        <fieldset>
          <legend>MCP permissions</legend>
          <label>
            <input type="radio" name="mcps" checked={allMcps} onChange={() => setAllMcps(true)} /> All MCPs
            (current and future)
          </label>
          <label>
            <input type="radio" name="mcps" checked={!allMcps} onChange={() => setAllMcps(false)} /> Only
            these MCPs:
          </label>
          {!allMcps ? (
            <CheckList
              label="MCPs this key may use"
              options={eligible.map((m) => ({
                value: m.id,
                label: (
                  <>
                    {m.name}{' '}
                    <span className="muted">
                      ({m.id}, {m.mode})
                    </span>
                  </>
                ),
              }))}
              selected={mcpIds}
              onChange={setMcpIds}
            >
              {eligible.length === 0 ? <p className="muted">No MCPs available for this mode.</p> : null}
            </CheckList>
          ) : null}
          <ErrorMessage error={mcps.error} />
        </fieldset>

        <fieldset>
          <legend>Management scopes (none for a key that only calls MCPs)</legend>
          <CheckList
            className="checklist columns"
            options={SCOPES.map((s) => ({ value: s, label: s }))}
            selected={scopes}
            onChange={setScopes}
          />
        </fieldset>

        {limits.fields}
        {labels.fields}

        <FormActions
          error={create.error}
          busy={create.busy}
          submitLabel={create.busy ? 'Creating…' : 'Create key'}
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}

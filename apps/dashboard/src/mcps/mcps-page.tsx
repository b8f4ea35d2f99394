import { useState } from 'react';
import { api } from '../api/client';
import type { Mcp, Mode } from '../api/types';
import { DataTable } from '../components/data-table';
import { NameField, SelectField, TextField } from '../components/fields';
import { formatDate } from '../components/format';
import { FormActions } from '../components/form-actions';
import { ConfirmModal, Modal } from '../components/modal';
import { Page } from '../components/page';
import { useAction, useConfirm, useSubmit } from '../components/use-action';
import { useInvalidate, useList } from '../components/queries';

/** `Name: value` lines into a header map (values are write-only: never shown back). */
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Header line "${line.trim()}" must look like "Name: value"`);
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

function McpForm({ mcp, onSaved, onClose }: { mcp: Mcp | null; onSaved: () => void; onClose: () => void }) {
  const [name, setName] = useState(mcp?.name ?? '');
  const [mode, setMode] = useState<Mode>(mcp?.mode ?? 'live');
  const [url, setUrl] = useState(mcp?.upstream_url ?? '');
  const [replaceHeaders, setReplaceHeaders] = useState(mcp === null);
  const [headers, setHeaders] = useState('');

  const save = useSubmit(async () => {
    const body = {
      name,
      mode,
      upstream_url: url,
      ...(replaceHeaders ? { upstream_headers: parseHeaders(headers) } : {}),
    };
    if (mcp === null) await api.post('/v1/mcps', body);
    else await api.patch(`/v1/mcps/${mcp.id}`, body);
    onSaved();
  });

  return (
    <Modal title={mcp === null ? 'Register an MCP' : `Edit ${mcp.name}`} onClose={onClose}>
      <form className="form" onSubmit={save.onSubmit}>
        <NameField id="mcp-name" value={name} onChange={setName} />
        <SelectField id="mcp-mode" label="Mode" value={mode} onChange={setMode}>
          <option value="live">live</option>
          <option value="test">test (reachable by test keys)</option>
        </SelectField>
        <TextField
          id="mcp-url"
          label="Upstream URL"
          type="url"
          required
          placeholder="https://mcp.example.com/mcp"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        {mcp !== null ? (
          <label>
            <input
              type="checkbox"
              checked={replaceHeaders}
              onChange={(e) => setReplaceHeaders(e.target.checked)}
            />{' '}
            Replace the upstream headers (currently: {mcp.upstream_header_names.join(', ') || 'none'})
          </label>
        ) : null}
        {replaceHeaders ? (
          <>
            <label htmlFor="mcp-headers">Upstream headers, one “Name: value” per line (write-only)</label>
            <textarea
              id="mcp-headers"
              rows={3}
              autoComplete="off"
              spellCheck={false}
              value={headers}
              onChange={(e) => setHeaders(e.target.value)}
            />
          </>
        ) : null}
        <FormActions
          error={save.error}
          busy={save.busy}
          submitLabel={mcp === null ? 'Register MCP' : 'Save'}
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}

/** MCPs: register, edit, remove. */
export function McpsPage() {
  const mcps = useList<Mcp>('/v1/mcps');
  const [editing, setEditing] = useState<Mcp | 'new' | null>(null);
  const remove = useAction();
  const invalidate = useInvalidate();
  // Keys name the MCPs they may use: both lists change when an MCP does.
  const changed = () => invalidate('/v1/mcps', '/v1/keys');
  const removing = useConfirm<Mcp>(remove, changed);

  return (
    <Page
      name="mcps"
      title="MCPs"
      action={
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Register MCP
        </button>
      }
      error={remove.error ?? mcps.error}
      refreshError={mcps.refreshError}
    >
      <DataTable
        caption="MCP servers of this organization"
        rows={mcps.data}
        rowKey={(m) => m.id}
        rowProps={(m) => ({ 'data-mcp-id': m.id })}
        empty="No MCPs registered yet."
        columns={[
          { header: 'Name', cell: (m) => m.name },
          { header: 'Id', cell: (m) => <code>{m.id}</code> },
          { header: 'Mode', cell: (m) => m.mode },
          { header: 'Upstream URL', cell: (m) => m.upstream_url, className: 'wrap' },
          {
            header: 'Upstream headers',
            cell: (m) => m.upstream_header_names.join(', ') || <span className="muted">none</span>,
          },
          { header: 'Updated', cell: (m) => formatDate(m.updated_at) },
        ]}
        actions={(m) => (
          <>
            <button type="button" onClick={() => setEditing(m)} aria-label={`Edit ${m.name}`}>
              Edit
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => removing.ask(m)}
              aria-label={`Remove ${m.name}`}
            >
              Remove
            </button>
          </>
        )}
      />
      {editing !== null ? (
        <McpForm
          mcp={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void changed();
          }}
        />
      ) : null}
      {removing.target ? (
        <ConfirmModal
          title={`Remove ${removing.target.name}?`}
          message="Keys lose access to it at once; requests to it are refused."
          confirmLabel="Remove MCP"
          busy={remove.busy}
          onClose={removing.cancel}
          onConfirm={removing.confirm(async (m) => {
            await api.delete(`/v1/mcps/${m.id}`);
          })}
        />
      ) : null}
    </Page>
  );
}

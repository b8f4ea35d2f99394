import { type FormEvent, useState } from 'react';
import { api, listAll } from '../api/client';
import type { Mcp, Mode } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { formatDate } from '../components/format';
import { FormActions } from '../components/form-actions';
import { ConfirmModal, Modal } from '../components/modal';
import { useAction } from '../components/use-action';
import { useAsync } from '../components/use-async';

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
  const save = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run(async () => {
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
  };

  return (
    <Modal title={mcp === null ? 'Register an MCP' : `Edit ${mcp.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label htmlFor="mcp-name">Name</label>
        <input
          id="mcp-name"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="mcp-mode">Mode</label>
        <select id="mcp-mode" value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
          <option value="live">live</option>
          <option value="test">test (reachable by test keys)</option>
        </select>
        <label htmlFor="mcp-url">Upstream URL</label>
        <input
          id="mcp-url"
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
  const mcps = useAsync(() => listAll<Mcp>('/v1/mcps'), []);
  const [editing, setEditing] = useState<Mcp | 'new' | null>(null);
  const [removing, setRemoving] = useState<Mcp | null>(null);
  const remove = useAction();

  return (
    <section aria-labelledby="mcps-title">
      <div className="page-head">
        <h1 id="mcps-title">MCPs</h1>
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Register MCP
        </button>
      </div>
      <ErrorMessage error={remove.error ?? mcps.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">MCP servers of this organization</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Mode</th>
              <th scope="col">Upstream URL</th>
              <th scope="col">Upstream headers</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(mcps.data ?? []).map((m) => (
              <tr key={m.id}>
                <td>{m.name}</td>
                <td>
                  <code>{m.id}</code>
                </td>
                <td>{m.mode}</td>
                <td className="wrap">{m.upstream_url}</td>
                <td>{m.upstream_header_names.join(', ') || <span className="muted">none</span>}</td>
                <td>{formatDate(m.updated_at)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => setEditing(m)} aria-label={`Edit ${m.name}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => setRemoving(m)}
                    aria-label={`Remove ${m.name}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {mcps.data?.length === 0 ? <p className="muted">No MCPs registered yet.</p> : null}
      </div>
      {editing !== null ? (
        <McpForm
          mcp={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void mcps.reload();
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmModal
          title={`Remove ${removing.name}?`}
          message="Keys lose access to it at once; requests to it are refused."
          confirmLabel="Remove MCP"
          busy={remove.busy}
          onClose={() => setRemoving(null)}
          onConfirm={() =>
            void remove.run(
              async () => {
                await api.delete(`/v1/mcps/${removing.id}`);
              },
              () => {
                setRemoving(null);
                void mcps.reload();
              },
            )
          }
        />
      ) : null}
    </section>
  );
}

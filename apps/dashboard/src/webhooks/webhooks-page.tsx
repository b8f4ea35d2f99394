import { type FormEvent, useState } from 'react';
import { api, listAll } from '../api/client';
import { WEBHOOK_EVENTS, type Webhook, type WebhookDelivery } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { formatDate } from '../components/format';
import { FormActions } from '../components/form-actions';
import { ConfirmModal, Modal } from '../components/modal';
import { SecretReveal } from '../components/secret-reveal';
import { useAction } from '../components/use-action';
import { useAsync } from '../components/use-async';

function AddWebhookForm({
  onCreated,
  onClose,
}: {
  onCreated: (secret: string) => void;
  onClose: () => void;
}) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([...WEBHOOK_EVENTS]);
  const add = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void add.run(async () => {
      const created = await api.post<Webhook & { secret: string }>('/v1/webhooks', {
        url,
        events,
        ...(description ? { description } : {}),
      });
      onCreated(created.data.secret);
    });
  };
  return (
    <Modal title="Add a webhook" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label htmlFor="webhook-url">Endpoint URL</label>
        <input id="webhook-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
        <label htmlFor="webhook-description">Description (optional)</label>
        <input
          id="webhook-description"
          maxLength={200}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <fieldset>
          <legend>Events</legend>
          <div className="checklist">
            {WEBHOOK_EVENTS.map((ev) => (
              <label key={ev}>
                <input
                  type="checkbox"
                  checked={events.includes(ev)}
                  onChange={() =>
                    setEvents(events.includes(ev) ? events.filter((x) => x !== ev) : [...events, ev])
                  }
                />{' '}
                {ev}
              </label>
            ))}
          </div>
        </fieldset>
        <FormActions error={add.error} busy={add.busy} submitLabel="Add webhook" onCancel={onClose} />
      </form>
    </Modal>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useAsync(
    () => api.get<WebhookDelivery[]>(`/v1/webhooks/${webhook.id}/deliveries?limit=20`).then((r) => r.data),
    [webhook.id],
  );
  return (
    <div className="deliveries">
      <h3>Recent deliveries to {webhook.url}</h3>
      <button type="button" onClick={() => void deliveries.reload()}>
        Refresh deliveries
      </button>
      <ErrorMessage error={deliveries.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last result</th>
          </tr>
        </thead>
        <tbody>
          {(deliveries.data ?? []).map((d) => {
            const last = d.attempts[d.attempts.length - 1];
            return (
              <tr key={d.id}>
                <td>{formatDate(d.created_at)}</td>
                <td>{d.event_type}</td>
                <td>{d.status}</td>
                <td>{d.attempts.length}</td>
                <td>
                  {last
                    ? `${last.status_code ?? last.error ?? '—'} in ${last.duration_ms} ms`
                    : d.next_attempt_at
                      ? `next try ${formatDate(d.next_attempt_at)}`
                      : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {deliveries.data?.length === 0 ? <p className="muted">No deliveries yet.</p> : null}
    </div>
  );
}

/** Webhooks: add (secret shown once), delete, send a test, recent deliveries. */
export function WebhooksPage() {
  const webhooks = useAsync(() => listAll<Webhook>('/v1/webhooks'), []);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const action = useAction();

  const sendTest = (w: Webhook) =>
    action.run(async () => {
      await api.post(`/v1/webhooks/${w.id}/test`);
      setStatus(`Test event queued for ${w.url}.`);
      setOpen(null);
      setOpen(w.id);
    });

  return (
    <section aria-labelledby="webhooks-title">
      <div className="page-head">
        <h1 id="webhooks-title">Webhooks</h1>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add webhook
        </button>
      </div>
      <p role="status" aria-live="polite" className="muted">
        {status}
      </p>
      <ErrorMessage error={action.error ?? webhooks.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Webhook endpoints</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(webhooks.data ?? []).map((w) => (
              <tr key={w.id}>
                <td className="wrap">
                  {w.url}
                  {w.description ? <div className="muted">{w.description}</div> : null}
                </td>
                <td>{w.events.join(', ')}</td>
                <td>
                  {w.status}
                  {w.disabled_reason ? <div className="muted">{w.disabled_reason}</div> : null}
                </td>
                <td>{formatDate(w.created_at)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => void sendTest(w)}>
                    Send test
                  </button>
                  <button
                    type="button"
                    aria-expanded={open === w.id}
                    onClick={() => setOpen(open === w.id ? null : w.id)}
                  >
                    Deliveries
                  </button>
                  <button type="button" className="danger" onClick={() => setDeleting(w)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {webhooks.data?.length === 0 ? <p className="muted">No webhooks.</p> : null}
      </div>
      {open !== null && webhooks.data?.find((w) => w.id === open) ? (
        <Deliveries key={`${open}-${status}`} webhook={webhooks.data.find((w) => w.id === open)!} />
      ) : null}
      {adding ? (
        <AddWebhookForm
          onClose={() => setAdding(false)}
          onCreated={(s) => {
            setAdding(false);
            setSecret(s);
            void webhooks.reload();
          }}
        />
      ) : null}
      {secret ? (
        <SecretReveal
          title="Webhook added"
          label="Signing secret (verify the webhook-signature header with it)"
          secret={secret}
          onDone={() => setSecret(null)}
        />
      ) : null}
      {deleting ? (
        <ConfirmModal
          title="Delete this webhook?"
          message={`No more alerts will be sent to ${deleting.url}.`}
          confirmLabel="Delete webhook"
          busy={action.busy}
          onClose={() => setDeleting(null)}
          onConfirm={() =>
            void action.run(
              async () => {
                await api.delete(`/v1/webhooks/${deleting.id}`);
              },
              () => {
                setDeleting(null);
                void webhooks.reload();
              },
            )
          }
        />
      ) : null}
    </section>
  );
}

import { useState } from 'react';
import { api } from '../api/client';
import { WEBHOOK_EVENTS, type Webhook, type WebhookDelivery } from '../api/types';
import { DataTable } from '../components/data-table';
import { ErrorMessage, RefreshNotice } from '../components/error-message';
import { CheckList, TextField } from '../components/fields';
import { formatDate } from '../components/format';
import { FormActions } from '../components/form-actions';
import { ConfirmModal, Modal } from '../components/modal';
import { Page } from '../components/page';
import { SecretReveal } from '../components/secret-reveal';
import { useAction, useConfirm, useSubmit } from '../components/use-action';
import { pathKey, useInvalidate, useList, useLoad } from '../components/queries';

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
  const add = useSubmit(async () => {
    const created = await api.post<Webhook & { secret: string }>('/v1/webhooks', {
      url,
      events,
      ...(description ? { description } : {}),
    });
    onCreated(created.data.secret);
  });
  return (
    <Modal title="Add a webhook" onClose={onClose}>
      <form className="form" onSubmit={add.onSubmit}>
        <TextField
          id="webhook-url"
          label="Endpoint URL"
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <TextField
          id="webhook-description"
          label="Description (optional)"
          maxLength={200}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <fieldset>
          <legend>Events</legend>
          <CheckList
            options={WEBHOOK_EVENTS.map((ev) => ({ value: ev, label: ev }))}
            selected={events}
            onChange={setEvents}
          />
        </fieldset>
        <FormActions error={add.error} busy={add.busy} submitLabel="Add webhook" onCancel={onClose} />
      </form>
    </Modal>
  );
}

function lastResult(d: WebhookDelivery): string {
  const last = d.attempts[d.attempts.length - 1];
  if (last) return `${last.status_code ?? last.error ?? '—'} in ${last.duration_ms} ms`;
  return d.next_attempt_at ? `next try ${formatDate(d.next_attempt_at)}` : '—';
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const path = `/v1/webhooks/${webhook.id}/deliveries?limit=20`;
  const deliveries = useLoad(pathKey(path), (signal) =>
    api.get<WebhookDelivery[]>(path, signal).then((r) => r.data),
  );
  return (
    <div className="deliveries">
      <h3>Recent deliveries to {webhook.url}</h3>
      <button type="button" onClick={() => void deliveries.reload()}>
        Refresh deliveries
      </button>
      <ErrorMessage error={deliveries.error} />
      <RefreshNotice error={deliveries.refreshError} />
      <DataTable
        wrapped={false}
        rows={deliveries.data}
        rowKey={(d) => d.id}
        empty="No deliveries yet."
        columns={[
          { header: 'Created', cell: (d) => formatDate(d.created_at) },
          { header: 'Event', cell: (d) => d.event_type },
          { header: 'Status', cell: (d) => d.status },
          { header: 'Attempts', cell: (d) => d.attempts.length },
          { header: 'Last result', cell: lastResult },
        ]}
      />
    </div>
  );
}

/** Webhooks: add (secret shown once), delete, send a test, recent deliveries. */
export function WebhooksPage() {
  const webhooks = useList<Webhook>('/v1/webhooks');
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const action = useAction();
  const invalidate = useInvalidate();
  const deleting = useConfirm<Webhook>(action, () => invalidate('/v1/webhooks'));

  const sendTest = (w: Webhook) =>
    action.run(async () => {
      await api.post(`/v1/webhooks/${w.id}/test`);
      setStatus(`Test event queued for ${w.url}.`);
      setOpen(w.id);
      await invalidate('/v1/webhooks');
    });

  return (
    <Page
      name="webhooks"
      title="Webhooks"
      action={
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add webhook
        </button>
      }
      status={status}
      error={action.error ?? webhooks.error}
      refreshError={webhooks.refreshError}
    >
      <DataTable
        caption="Webhook endpoints"
        rows={webhooks.data}
        rowKey={(w) => w.id}
        empty="No webhooks."
        columns={[
          {
            header: 'URL',
            className: 'wrap',
            cell: (w) => (
              <>
                {w.url}
                {w.description ? <div className="muted">{w.description}</div> : null}
              </>
            ),
          },
          { header: 'Events', cell: (w) => w.events.join(', ') },
          {
            header: 'Status',
            cell: (w) => (
              <>
                {w.status}
                {w.disabled_reason ? <div className="muted">{w.disabled_reason}</div> : null}
              </>
            ),
          },
          { header: 'Created', cell: (w) => formatDate(w.created_at) },
        ]}
        actions={(w) => (
          <>
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
            <button type="button" className="danger" onClick={() => deleting.ask(w)}>
              Delete
            </button>
          </>
        )}
      />
      {open !== null && webhooks.data?.find((w) => w.id === open) ? (
        <Deliveries key={open} webhook={webhooks.data.find((w) => w.id === open)!} />
      ) : null}
      {adding ? (
        <AddWebhookForm
          onClose={() => setAdding(false)}
          onCreated={(s) => {
            setAdding(false);
            setSecret(s);
            void invalidate('/v1/webhooks');
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
      {deleting.target ? (
        <ConfirmModal
          title="Delete this webhook?"
          message={`No more alerts will be sent to ${deleting.target.url}.`}
          confirmLabel="Delete webhook"
          busy={action.busy}
          onClose={deleting.cancel}
          onConfirm={deleting.confirm(async (w) => {
            await api.delete(`/v1/webhooks/${w.id}`);
          })}
        />
      ) : null}
    </Page>
  );
}

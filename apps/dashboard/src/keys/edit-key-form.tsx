import { useMemo, useState } from 'react';
import { api } from '../api/client';
import type { ApiKey } from '../api/types';
import { NameField, TextField } from '../components/fields';
import { FormActions } from '../components/form-actions';
import { maskedKey } from '../components/format';
import { Modal } from '../components/modal';
import { useSubmit } from '../components/use-action';
import { endOfDay, isoDay } from './create-key-form';
import { useKeyLabels } from './key-labels';
import { useKeyLimits } from './key-limits';

/**
 * Edit a key: its name, limits, labels (tags, metadata, IP allowlist) and expiry. The expiry may move within the key's bounds: from
 * tomorrow to one year after the key was created (the gateway enforces the same, and a caller's
 * own expiry too).
 */
export function EditKeyForm({
  apiKey,
  onSaved,
  onClose,
}: {
  apiKey: ApiKey;
  onSaved: (key: ApiKey) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(apiKey.name);
  const currentDay = isoDay(new Date(apiKey.expires_at));
  const [day, setDay] = useState(currentDay);
  const limits = useKeyLimits('key-edit', apiKey);
  const labels = useKeyLabels('key-edit', apiKey);
  const [minDay, maxDay] = useMemo(() => {
    const max = new Date(apiKey.created_at);
    max.setUTCFullYear(max.getUTCFullYear() + 1);
    max.setUTCDate(max.getUTCDate() - 1);
    return [isoDay(new Date(Date.now() + 86_400_000)), isoDay(max)];
  }, [apiKey.created_at]);

  const save = useSubmit(async () => {
    const body = {
      name,
      ...limits.value(),
      ...labels.value(),
      ...(day === currentDay ? {} : { expires_at: endOfDay(day) }),
    };
    const saved = await api.patch<ApiKey>(`/v1/keys/${apiKey.id}`, body);
    onSaved(saved.data);
  });

  return (
    <Modal title={`Edit “${apiKey.name}”`} onClose={onClose}>
      <p className="muted">
        <code>{maskedKey(apiKey.prefix, apiKey.last4)}</code> · {apiKey.mode} · created{' '}
        {new Date(apiKey.created_at).toLocaleDateString()}
      </p>
      <form className="form" onSubmit={save.onSubmit}>
        <NameField id="key-edit-name" value={name} onChange={setName} />
        <TextField
          id="key-edit-expiry"
          label={`Expiry date (UTC, at most ${maxDay})`}
          type="date"
          required
          min={minDay}
          max={maxDay}
          value={day}
          onChange={(e) => setDay(e.target.value)}
        />
        {limits.fields}
        {labels.fields}
        <FormActions
          error={save.error}
          busy={save.busy}
          submitLabel={save.busy ? 'Saving…' : 'Save changes'}
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}

import { Fragment, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { AlertThresholds, AlertThresholdsView, Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { pathKey, useInvalidate, useLoad } from '../components/queries';
import { useAction, useSubmit } from '../components/use-action';

type Name = keyof AlertThresholds;
const FIELDS: { name: Name; label: string; step: string }[] = [
  { name: 'error_min_requests', label: 'Error spike: minimum requests in the window', step: '1' },
  { name: 'error_min_rate', label: 'Error spike: minimum error rate (0–1)', step: '0.01' },
  { name: 'error_baseline_factor', label: 'Error spike: times the baseline error rate', step: '0.1' },
  { name: 'request_spike_factor', label: 'Request spike: times the baseline rate', step: '0.1' },
  { name: 'request_min_per_minute', label: 'Request spike: minimum requests per minute', step: '1' },
  {
    name: 'request_min_baseline_minutes',
    label: 'Request spike: minutes of history needed first',
    step: '1',
  },
];
const PATH = '/v1/alerts/thresholds';

/**
 * The organization's anomaly thresholds (`GET/PUT /v1/alerts/thresholds`): those in force, which
 * are its own, and — for a live session with `alerts:write` — a form to change or restore them.
 */
export function AlertThresholdsSection({ session }: { session: Session }) {
  const view = useLoad(
    pathKey(PATH),
    async (signal) => (await api.get<AlertThresholdsView>(PATH, signal)).data,
  );
  const canEdit = session.mode === 'live' && session.scopes.includes('alerts:write');
  const [draft, setDraft] = useState<Record<Name, string> | null>(null);
  const [saved, setSaved] = useState('');
  const invalidate = useInvalidate();
  const current = view.data?.thresholds;
  const overrides = view.data?.overrides ?? {};
  useEffect(() => {
    if (current) setDraft(Object.fromEntries(FIELDS.map((f) => [f.name, String(current[f.name])])) as never);
  }, [current]);

  const put = async (body: Partial<Record<Name, number | null>>, said: string) => {
    await api.put<AlertThresholdsView>(PATH, body);
    await invalidate('/v1/alerts');
    setSaved(said);
  };
  const save = useSubmit(async () => {
    if (!draft || !current) return;
    const changed = FIELDS.filter((f) => Number(draft[f.name]) !== current[f.name]);
    if (changed.length === 0) return setSaved('Nothing changed.');
    await put(Object.fromEntries(changed.map((f) => [f.name, Number(draft[f.name])])), 'Thresholds saved.');
  });
  const restore = useAction();

  return (
    <section aria-labelledby="thresholds-title" className="thresholds" data-testid="alert-thresholds">
      <h2 id="thresholds-title">Alert thresholds</h2>
      <p className="muted">
        When error and request spikes raise an alert for this organization’s keys. Values marked “own” are
        this organization’s; the others are the defaults.
      </p>
      <ErrorMessage error={view.error ?? restore.error} />
      {draft && view.data ? (
        <form className="form" onSubmit={save.onSubmit}>
          {FIELDS.map((f) => (
            <Fragment key={f.name}>
              <label htmlFor={`threshold-${f.name}`}>
                {f.label}
                {f.name in overrides ? <span className="badge">own</span> : null}
              </label>
              <input
                id={`threshold-${f.name}`}
                type="number"
                required
                step={f.step}
                min={0}
                readOnly={!canEdit}
                value={draft[f.name]}
                onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
              />
            </Fragment>
          ))}
          {canEdit ? (
            <>
              <ErrorMessage error={save.error} />
              <div className="actions">
                <button
                  type="button"
                  disabled={restore.busy || Object.keys(overrides).length === 0}
                  onClick={() =>
                    void restore.run(() =>
                      put(Object.fromEntries(FIELDS.map((f) => [f.name, null])), 'Defaults restored.'),
                    )
                  }
                >
                  Restore defaults
                </button>
                <button type="submit" className="primary" disabled={save.busy}>
                  {save.busy ? 'Saving…' : 'Save thresholds'}
                </button>
              </div>
            </>
          ) : (
            <p className="muted">Changing them needs a live key with alerts:write.</p>
          )}
          {saved ? (
            <p role="status" className="muted">
              {saved}
            </p>
          ) : null}
        </form>
      ) : null}
    </section>
  );
}

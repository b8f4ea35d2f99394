import { ErrorMessage } from './error-message';

/** The foot of a dialog's form: what went wrong, Cancel, and the submit button (off while busy). */
export function FormActions({
  error,
  busy,
  submitLabel,
  onCancel,
}: {
  error: unknown;
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  return (
    <>
      <ErrorMessage error={error} />
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </>
  );
}

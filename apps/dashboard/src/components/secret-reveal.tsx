import { useId, useState } from 'react';
import { Modal } from './modal';

/**
 * The one-time reveal of a new secret (API key or webhook signing secret): a read-only field, a
 * copy button, and the warning that it cannot be shown again. The secret lives only in this
 * component's props; closing the dialog drops it.
 */
export function SecretReveal({
  title,
  label,
  secret,
  onDone,
}: {
  title: string;
  label: string;
  secret: string;
  onDone: () => void;
}) {
  const id = useId();
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      const input = document.getElementById(id) as HTMLInputElement | null;
      input?.select();
      setCopied('failed');
    }
  };
  return (
    <Modal title={title} onClose={onDone}>
      <p className="warning" role="note">
        <strong>Copy it now: this is shown only once.</strong> PlexMCP keeps only a hash and cannot show it
        again. If you lose it, rotate or create another.
      </p>
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          className="secret"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="one-time-secret"
        />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p aria-live="polite" className="muted">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copy failed: the text is selected, press Ctrl+C.'
            : ''}
      </p>
      <div className="actions">
        <button type="button" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </Modal>
  );
}

import { useEffect, useState } from 'react';
import { linkToken } from '../account/set-password-page';
import { api } from '../api/client';
import type { InvitationPreview } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TextField } from '../components/fields';
import { useSubmit } from '../components/use-action';

/**
 * Where an invitation link lands: says which organization and role it is for, asks for a password
 * when the address has no account yet, and accepts. Then the person signs in as usual.
 */
export function AcceptInvitationPage({ onDone }: { onDone: () => void }) {
  // The token of the link (`…/invitation#token=…`): in the fragment, never sent in a URL.
  const [token] = useState(() => linkToken() ?? '');
  const [preview, setPreview] = useState<InvitationPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [password, setPassword] = useState('');
  const [accepted, setAccepted] = useState(false);

  useEffect(() => {
    // The token stays in this page's memory only, not in the address bar or history.
    window.history.replaceState(null, '', window.location.pathname);
    api.post<InvitationPreview>('/v1/invitations/preview', { token }).then(
      (r) => setPreview(r.data),
      (err: unknown) => setError(err),
    );
  }, [token]);

  const accept = useSubmit(async () => {
    await api.post('/v1/invitations/accept', { token, ...(preview?.account_exists ? {} : { password }) });
    setPassword('');
    setAccepted(true);
  });

  return (
    <main className="sign-in">
      <h1>Join an organization</h1>
      <ErrorMessage error={error} />
      {preview && !accepted ? (
        <form onSubmit={accept.onSubmit}>
          <p data-testid="invitation-summary">
            {preview.email} is invited to join <strong>{preview.organization_name}</strong> as{' '}
            <strong>{preview.role}</strong>.
          </p>
          {preview.account_exists ? (
            <p className="muted">You already have an account: accept, then sign in with it.</p>
          ) : (
            <TextField
              id="invitation-password"
              label="Choose a password (at least 12 characters)"
              type="password"
              autoComplete="new-password"
              minLength={12}
              maxLength={256}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
          <ErrorMessage error={accept.error} />
          <button type="submit" className="primary" disabled={accept.busy}>
            Accept invitation
          </button>
        </form>
      ) : null}
      {accepted ? (
        <>
          <p role="status">You joined {preview?.organization_name}. Sign in to continue.</p>
          <button type="button" className="primary" onClick={onDone}>
            Sign in
          </button>
        </>
      ) : null}
    </main>
  );
}

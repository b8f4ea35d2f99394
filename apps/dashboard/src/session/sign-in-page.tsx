import { useState } from 'react';
import { ApiError, request } from '../api/client';
import type { Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { useSubmit } from '../components/use-action';

/**
 * Sign-in with an organization admin key. The key goes to the gateway once, which answers with an
 * HttpOnly session cookie; the page keeps nothing (the field is cleared and unmounted).
 */
export function SignInPage({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (s: Session) => void;
}) {
  const [key, setKey] = useState('');

  const signIn = useSubmit(async () => {
    try {
      const session = await request<Session>(
        'POST',
        '/dashboard/api/session',
        { key },
        { quietUnauthorized: true },
      );
      setKey('');
      onSignedIn(session.data);
    } catch (err) {
      setKey('');
      throw err instanceof ApiError && err.status === 401
        ? new ApiError(401, {
            ...err.body,
            message: `${err.body.message}. Check that the whole key was pasted.`,
          })
        : err;
    }
  });

  return (
    <main className="sign-in">
      <h1>PlexMCP dashboard</h1>
      <form onSubmit={signIn.onSubmit} aria-describedby="sign-in-help">
        <label htmlFor="admin-key">Organization admin API key</label>
        <input
          id="admin-key"
          name="admin-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          placeholder="pk_live_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <p id="sign-in-help" className="muted">
          The key is exchanged for a session cookie and is not stored by this page. The session ends when you
          sign out, after 8 hours, or when the key is revoked or expires.
        </p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <ErrorMessage error={signIn.error} />
        <button type="submit" className="primary" disabled={signIn.busy}>
          {signIn.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

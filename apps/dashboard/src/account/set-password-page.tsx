import { useState } from 'react';
import type { Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TextField } from '../components/fields';
import { useSubmit } from '../components/use-action';
import { TotpStep, accountStep, needsTotp } from './sign-in-steps';

/** The one-time token of a set-password or reset link: in the fragment, never sent in a URL. */
export function linkToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  return match?.[1] ?? null;
}

/**
 * `/dashboard/set-password#token=…` (from `plexmcp org create --owner-email`, a reset or an
 * invitation): choose a password (12 characters or more), which signs you in.
 */
export function SetPasswordPage({ token, onSignedIn }: { token: string; onSignedIn: (s: Session) => void }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [challenge, setChallenge] = useState<string | null>(null);
  const submit = useSubmit(async () => {
    if (password !== again) throw new Error('The two passwords differ');
    const answer = await accountStep('/password', { token, password });
    // The link is used up: drop it from the address bar and history.
    window.history.replaceState(null, '', '/dashboard/keys');
    if (needsTotp(answer)) setChallenge(answer.challenge);
    else onSignedIn(answer);
  });

  return (
    <main className="sign-in">
      <h1>Set your password</h1>
      {challenge !== null ? (
        <TotpStep challenge={challenge} onSignedIn={onSignedIn} />
      ) : (
        <form onSubmit={submit.onSubmit}>
          <TextField
            id="new-password"
            label="New password (at least 12 characters)"
            type="password"
            autoComplete="new-password"
            minLength={12}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <TextField
            id="new-password-again"
            label="The same password again"
            type="password"
            autoComplete="new-password"
            minLength={12}
            required
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
          <ErrorMessage error={submit.error} />
          <button type="submit" className="primary" disabled={submit.busy}>
            Set password and sign in
          </button>
        </form>
      )}
    </main>
  );
}

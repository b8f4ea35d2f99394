import { useState } from 'react';
import { request } from '../api/client';
import type { Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TextField } from '../components/fields';
import { useSubmit } from '../components/use-action';

/** What a sign-in step answers: the session, or the TOTP challenge to present next. */
export type SignInAnswer = Session | { totp_required: true; challenge: string; challenge_expires_at: string };

export function needsTotp(answer: SignInAnswer): answer is Extract<SignInAnswer, { totp_required: true }> {
  return 'totp_required' in answer;
}

/** POSTs a public account step; 401s stay on the page (nothing to sign out of). */
export async function accountStep(path: string, body: unknown): Promise<SignInAnswer> {
  return (
    await request<SignInAnswer>('POST', `/dashboard/api/account${path}`, body, { quietUnauthorized: true })
  ).data;
}

/**
 * The second step of a sign-in: a 6-digit code from the authenticator app, or one of the recovery
 * codes shown at enrolment (each works once).
 */
export function TotpStep({ challenge, onSignedIn }: { challenge: string; onSignedIn: (s: Session) => void }) {
  const [code, setCode] = useState('');
  const submit = useSubmit(async () => {
    try {
      const answer = await accountStep('/sign-in/totp', { challenge, code: code.trim() });
      if (!needsTotp(answer)) onSignedIn(answer);
    } finally {
      setCode('');
    }
  });
  return (
    <form onSubmit={submit.onSubmit} aria-describedby="totp-help">
      <TextField
        id="totp-code"
        label="Authentication code"
        inputMode="numeric"
        autoComplete="one-time-code"
        required
        autoFocus
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <p id="totp-help" className="muted">
        The 6-digit code from your authenticator app, or one of your recovery codes (xxxxx-xxxxx).
      </p>
      <ErrorMessage error={submit.error} />
      <button type="submit" className="primary" disabled={submit.busy}>
        {submit.busy ? 'Checking…' : 'Continue'}
      </button>
    </form>
  );
}

import { useState } from 'react';
import { api } from '../api/client';
import type { Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TextField } from '../components/fields';
import { Page } from '../components/page';
import { useAction, useSubmit } from '../components/use-action';

interface Enrollment {
  secret: string;
  otpauth_url: string;
}

/**
 * The signed-in person: who, which organization and role; two-factor set-up (the seed for the
 * authenticator app, a first code to confirm, then the recovery codes shown once); and signing
 * out of every session, on every device.
 */
export function AccountPage({
  session,
  onSignedOut,
}: {
  session: Session;
  onSignedOut: (notice: string) => void;
}) {
  const account = session.account;
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [totpOn, setTotpOn] = useState(account?.user.totp_enabled ?? false);
  const action = useAction();

  const confirm = useSubmit(async () => {
    const confirmed = await api.post<{ recovery_codes: string[] }>('/dashboard/api/account/totp/confirm', {
      code: code.trim(),
    });
    setCode('');
    setEnrollment(null);
    setTotpOn(true);
    setRecoveryCodes(confirmed.data.recovery_codes);
  });

  if (account === null) {
    return (
      <Page name="account" title="Account" action={null} error={null}>
        <p>This session was opened with an organization admin key, not an account.</p>
      </Page>
    );
  }

  return (
    <Page
      name="account"
      title="Account"
      action={
        <button
          type="button"
          className="danger"
          onClick={() =>
            void action.run(async () => {
              const out = await api.post<{ sessions_ended: number }>(
                '/dashboard/api/account/sign-out-everywhere',
              );
              onSignedOut(`Signed out of ${out.data.sessions_ended} session(s) on every device.`);
            })
          }
        >
          Sign out everywhere
        </button>
      }
      error={action.error}
    >
      <dl className="details">
        <dt>Email</dt>
        <dd data-testid="account-email">{account.user.email}</dd>
        <dt>Organization</dt>
        <dd>{account.organization.name}</dd>
        <dt>Role</dt>
        <dd data-testid="account-role">{account.role}</dd>
        <dt>Two-factor authentication</dt>
        <dd data-testid="totp-status">{totpOn ? 'on' : 'off'}</dd>
      </dl>

      {recoveryCodes !== null ? (
        <section aria-labelledby="recovery-title">
          <h2 id="recovery-title">Recovery codes</h2>
          <p>
            Each code signs you in once if you lose your authenticator. Store them now: they are not shown
            again.
          </p>
          <ul className="recovery-codes" data-testid="recovery-codes">
            {recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setRecoveryCodes(null)}>
            I have stored them
          </button>
        </section>
      ) : null}

      {!totpOn && enrollment === null ? (
        <button
          type="button"
          className="primary"
          onClick={() =>
            void action.run(async () => {
              setEnrollment((await api.post<Enrollment>('/dashboard/api/account/totp')).data);
            })
          }
        >
          Set up two-factor authentication
        </button>
      ) : null}

      {enrollment !== null ? (
        <form onSubmit={confirm.onSubmit} aria-labelledby="totp-setup-title">
          <h2 id="totp-setup-title">Set up two-factor authentication</h2>
          <p>
            Add this key to your authenticator app (or open the link on your phone), then enter the code it
            shows.
          </p>
          <p>
            <code data-testid="totp-secret">{enrollment.secret}</code>
          </p>
          <p>
            <a href={enrollment.otpauth_url}>Open in authenticator app</a>
          </p>
          <TextField
            id="totp-confirm-code"
            label="Code from the app"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <ErrorMessage error={confirm.error} />
          <button type="submit" className="primary" disabled={confirm.busy}>
            Turn on
          </button>
        </form>
      ) : null}
    </Page>
  );
}

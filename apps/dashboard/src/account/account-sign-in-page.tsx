import { useState } from 'react';
import type { Session } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TextField } from '../components/fields';
import { useSubmit } from '../components/use-action';
import { SignInPage as KeySignInPage } from '../session/sign-in-page';
import { TotpStep, accountStep, needsTotp } from './sign-in-steps';

type Step = 'password' | 'reset' | 'key' | 'sso' | { challenge: string };

/**
 * Sign-in with an email and password, then the TOTP code when the account has one. "Forgot your
 * password?" asks for a reset link; the admin-key form is there for break-glass installations
 * (the gateway refuses it unless DASHBOARD_KEY_SIGN_IN=true).
 */
export function AccountSignInPage({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (s: Session) => void;
}) {
  const [step, setStep] = useState<Step>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState(false);
  const [orgId, setOrgId] = useState('');

  const signIn = useSubmit(async () => {
    try {
      const answer = await accountStep('/sign-in', { email, password });
      if (needsTotp(answer)) setStep({ challenge: answer.challenge });
      else onSignedIn(answer);
    } finally {
      setPassword('');
    }
  });
  const reset = useSubmit(async () => {
    await accountStep('/password-reset', { email });
    setSent(true);
  });

  if (step === 'key') return <KeySignInPage notice={notice} onSignedIn={onSignedIn} />;

  return (
    <main className="sign-in">
      <h1>PlexMCP dashboard</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {typeof step === 'object' ? (
        <>
          <h2>Two-factor authentication</h2>
          <TotpStep challenge={step.challenge} onSignedIn={onSignedIn} />
        </>
      ) : step === 'sso' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            // The gateway sends the browser on to the organization's provider, and back signed in.
            window.location.assign(`/v1/session/oidc/start?org=${encodeURIComponent(orgId.trim())}`);
          }}
        >
          <h2>Sign in with SSO</h2>
          <TextField
            id="sso-org"
            label="Organization id"
            required
            placeholder="org_…"
            value={orgId}
            onChange={(e) => setOrgId(e.target.value)}
          />
          <button type="submit" className="primary">
            Continue to your identity provider
          </button>
          <button type="button" className="link" onClick={() => setStep('password')}>
            Back to sign-in
          </button>
        </form>
      ) : step === 'reset' ? (
        <form onSubmit={reset.onSubmit}>
          <h2>Reset your password</h2>
          <TextField
            id="reset-email"
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          {sent ? (
            <p role="status">If an account uses this address, a link to set a new password is on its way.</p>
          ) : null}
          <ErrorMessage error={reset.error} />
          <button type="submit" className="primary" disabled={reset.busy}>
            Send reset link
          </button>
          <button type="button" className="link" onClick={() => setStep('password')}>
            Back to sign-in
          </button>
        </form>
      ) : (
        <form onSubmit={signIn.onSubmit}>
          <TextField
            id="email"
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextField
            id="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <ErrorMessage error={signIn.error} />
          <button type="submit" className="primary" disabled={signIn.busy}>
            {signIn.busy ? 'Signing in…' : 'Sign in'}
          </button>
          <p className="muted">
            <button type="button" className="link" onClick={() => setStep('reset')}>
              Forgot your password?
            </button>{' '}
            ·{' '}
            <button type="button" className="link" onClick={() => setStep('sso')}>
              Sign in with SSO
            </button>{' '}
            ·{' '}
            <button type="button" className="link" onClick={() => setStep('key')}>
              Sign in with an admin key
            </button>
          </p>
        </form>
      )}
    </main>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, request, setCsrfToken, setUnauthorizedHandler } from './api/client';
import type { Session } from './api/types';
import { AlertsPage } from './alerts/alerts-page';
import { AuditPage } from './audit/audit-page';
import { OrganizationSummary } from './components/organization-summary';
import { ErrorMessage } from './components/error-message';
import { maskedKey } from './components/format';
import { KeysPage } from './keys/keys-page';
import { McpsPage } from './mcps/mcps-page';
import { AcceptInvitationPage } from './org/accept-invitation-page';
import { MembersPage } from './org/members-page';
import { OrgSettingsPage } from './org/org-settings-page';
import { AccountPage } from './account/account-page';
import { AccountSignInPage } from './account/account-sign-in-page';
import { OrgSwitcher } from './account/org-switcher';
import { SetPasswordPage, linkToken } from './account/set-password-page';
import { UsagePage } from './usage/usage-page';
import { WebhooksPage } from './webhooks/webhooks-page';

const BASE = '/dashboard';
const PAGES = [
  { path: 'keys', label: 'API Keys' },
  { path: 'mcps', label: 'MCPs' },
  { path: 'usage', label: 'Usage' },
  { path: 'alerts', label: 'Alerts' },
  { path: 'webhooks', label: 'Webhooks' },
  { path: 'audit', label: 'Audit' },
  { path: 'members', label: 'Members' },
  { path: 'organization', label: 'Organization' },
  { path: 'account', label: 'Account' },
] as const;
type PagePath = (typeof PAGES)[number]['path'];

function currentPage(): PagePath {
  const rest = window.location.pathname.slice(BASE.length).replace(/^\/+|\/+$/g, '');
  return PAGES.find((p) => p.path === rest)?.path ?? 'keys';
}

export function App() {
  const [session, setSession] = useState<Session | null | 'loading'>('loading');
  const [page, setPage] = useState<PagePath>(currentPage);
  const [notice, setNotice] = useState<string | null>(null);
  // An invitation link opens its own page, signed in or not.
  const [invited, setInvited] = useState(
    () => window.location.pathname.replace(/\/+$/, '') === `${BASE}/invitation` && linkToken() !== null,
  );
  const [error, setError] = useState<unknown>(null);
  // A set-password or reset link (`/dashboard/set-password#token=…`), until it is used.
  const [setPasswordToken, setSetPasswordToken] = useState<string | null>(() =>
    window.location.pathname.replace(/\/+$/, '') === `${BASE}/set-password` ? linkToken() : null,
  );
  const queries = useQueryClient();

  const signedIn = useCallback(
    (s: Session) => {
      setCsrfToken(s.csrf_token);
      setNotice(null);
      setSetPasswordToken(null);
      // Another organization (or person): nothing loaded before belongs to this session.
      queries.clear();
      setSession(s);
    },
    [queries],
  );

  const signedOut = (message: string) => {
    setCsrfToken(null);
    queries.clear();
    setNotice(message);
    setSession(null);
  };

  useEffect(() => {
    setUnauthorizedHandler((err: ApiError) => {
      setCsrfToken(null);
      queries.clear();
      setNotice(`${err.body.message}. Sign in again.`);
      setSession(null);
    });
    request<Session>('GET', `${BASE}/api/session`, undefined, { quietUnauthorized: true }).then(
      (r) => signedIn(r.data),
      (err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401)) setError(err);
        setSession(null);
      },
    );
    const onPop = () => setPage(currentPage());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, [signedIn, queries]);

  useEffect(() => {
    const label = PAGES.find((p) => p.path === page)?.label ?? '';
    document.title = `${label} · PlexMCP dashboard`;
  }, [page]);

  const navigate = (path: PagePath) => {
    window.history.pushState(null, '', `${BASE}/${path}`);
    setPage(path);
  };

  const signOut = async () => {
    try {
      await request('DELETE', `${BASE}/api/session`, undefined, { quietUnauthorized: true });
    } catch (err) {
      setError(err);
      return;
    }
    setCsrfToken(null);
    queries.clear();
    setNotice('You are signed out.');
    setSession(null);
  };

  if (invited) {
    return (
      <AcceptInvitationPage
        onDone={() => {
          window.history.pushState(null, '', `${BASE}/`);
          setInvited(false);
        }}
      />
    );
  }
  if (session === 'loading') return <p className="loading">Loading…</p>;
  if (setPasswordToken !== null) return <SetPasswordPage token={setPasswordToken} onSignedIn={signedIn} />;
  if (session === null) {
    return (
      <>
        <ErrorMessage error={error} />
        <AccountSignInPage notice={notice} onSignedIn={signedIn} />
      </>
    );
  }

  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">PlexMCP</span>
        <OrganizationSummary session={session} />
        <OrgSwitcher session={session} onSwitched={signedIn} />
        <span className="muted" data-testid="signed-in-as">
          {session.account
            ? `${session.account.user.email} · ${session.account.role}`
            : maskedKey(session.prefix, session.last4)}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Dashboard sections" className="sidebar">
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}>
              <a
                href={`${BASE}/${p.path}`}
                aria-current={p.path === page ? 'page' : undefined}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  navigate(p.path);
                }}
              >
                {p.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <ErrorMessage error={error} />
        {page === 'keys' && <KeysPage session={session} />}
        {page === 'mcps' && <McpsPage />}
        {page === 'usage' && <UsagePage session={session} />}
        {page === 'alerts' && <AlertsPage session={session} />}
        {page === 'webhooks' && <WebhooksPage />}
        {page === 'audit' && <AuditPage />}
        {page === 'members' && <MembersPage session={session} />}
        {page === 'organization' && <OrgSettingsPage session={session} />}
        {page === 'account' && <AccountPage session={session} onSignedOut={signedOut} />}
      </main>
    </div>
  );
}

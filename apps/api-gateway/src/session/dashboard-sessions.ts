import {
  type AccountView,
  AppError,
  CREDENTIAL_PATTERN,
  ErrorCode,
  IdentitySubjects,
  type KeyPolicy,
  type SessionView,
  accountViewSchema,
  hashCredential,
  policyExpiry,
  signedOutSchema,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import type { FastifyRequest } from 'fastify';
import {
  type KeyAuthority,
  type KeySource,
  type PresentedKey,
  type Refusal,
  presentKey,
  refuse,
} from '../auth/key-authority.js';
import { CSRF_HEADER, accountCredentialOf, sessionTokenOf } from './session-cookie.js';
import { type SessionClaims, SessionTokens } from './session-token.js';
import { routeConfigOf } from '../auth/route-access.js';

interface OpenedSession {
  token: string;
  claims: SessionClaims;
  view: SessionView;
}

const NO_SCOPES_MESSAGE = 'This key has no management scopes: sign in with an organization admin key';
export const SESSION_ENDED_MESSAGE = 'Your dashboard session has ended: sign in again';
const KEY_SIGN_IN_OFF = 'Signing in with an API key is turned off: sign in with your account';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A person's session as presented by its cookie: the credential's hash, no display parts. */
function presentAccount(credential: string): PresentedKey {
  return { keyHash: hashCredential(credential), keyPrefix: '', keyLast4: '' };
}

/**
 * Dashboard sessions, of two kinds, both checked on every request by the key authority exactly
 * like a Bearer key (`presentedBy`, used by the auth hook):
 *
 * - A person's session (the default): the cookie holds a random credential; the key-service's
 *   session list knows its SHA-256 and answers `keys.validate` for it with the person's role as
 *   grant. Signing out, signing out everywhere or leaving the organization revokes it there and
 *   evicts it from every gateway before the call returns, so a copied cookie dies with it.
 * - Break-glass (`DASHBOARD_KEY_SIGN_IN=true` only): an admin key is exchanged for a signed token
 *   naming the key's hash, ended by the key's revocation or expiry.
 */
export class DashboardSessions implements KeySource {
  readonly tokens: SessionTokens;

  constructor(
    secret: Buffer,
    private readonly authority: KeyAuthority,
    private readonly rpc: NatsRpcClient,
    private readonly ttlMs: number,
    private readonly keySignIn: boolean,
  ) {
    this.tokens = new SessionTokens(secret);
  }

  /** Opens a session for an admin `key` (break-glass). Throws AppError 400/401/403/503. */
  async open(key: unknown, clientIp: string | null, now: number): Promise<OpenedSession> {
    if (!this.keySignIn) throw new AppError(ErrorCode.Forbidden, KEY_SIGN_IN_OFF);
    if (typeof key !== 'string' || key.length === 0) {
      throw new AppError(ErrorCode.ValidationError, 'Enter an API key', {
        details: [{ field: 'key', message: 'required' }],
      });
    }
    const presented = presentKey(key.trim());
    if (presented === null) throw new AppError(ErrorCode.Unauthorized);
    const { policy } = await this.authority.caller(presented, { clientIp }, now);
    if (policy.scopes.length === 0) throw new AppError(ErrorCode.Forbidden, NO_SCOPES_MESSAGE);
    const claims: SessionClaims = {
      ...presented,
      expiresAt: Math.min(now + this.ttlMs, policyExpiry(policy)),
    };
    const token = this.tokens.sign(claims);
    return { token, claims, view: this.keyView(token, claims, policy) };
  }

  /** The session behind a cookie, re-checked against its current state. */
  async resume(token: string, clientIp: string | null, now: number): Promise<SessionView> {
    const credential = accountCredentialOf(token);
    if (credential !== null) return this.accountView(token, credential, clientIp, now);
    const claims = this.keySignIn ? this.tokens.verify(token, now) : null;
    if (claims === null) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED_MESSAGE);
    const { policy } = await this.authority.caller(claims, { clientIp }, now);
    return this.keyView(token, claims, policy);
  }

  /** What the dashboard learns about a person's session: the grant, who, where, which role. */
  async accountView(
    token: string,
    credential: string,
    clientIp: string | null,
    now: number,
  ): Promise<SessionView> {
    if (!CREDENTIAL_PATTERN.test(credential))
      throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED_MESSAGE);
    const presented = presentAccount(credential);
    const { policy } = await this.authority.caller(presented, { clientIp }, now);
    const account: AccountView = await this.rpc.call(
      IdentitySubjects.session,
      { session_hash: presented.keyHash },
      accountViewSchema,
      { idempotent: true },
    );
    return this.view(
      token,
      policy,
      { prefix: '', last4: '', sessionExpiresAt: account.session.expires_at },
      account,
    );
  }

  /**
   * Ends the session server-side (a person's: revoked and evicted from every gateway before this
   * resolves). A signed admin-key session has no server-side state: clearing the cookie ends it.
   */
  async end(token: string): Promise<void> {
    const credential = accountCredentialOf(token);
    if (credential === null || !CREDENTIAL_PATTERN.test(credential)) return;
    await this.rpc.call(
      IdentitySubjects.signOut,
      { session_hash: hashCredential(credential) },
      signedOutSchema,
    );
  }

  /** Whether a state-changing request on `token` carries its CSRF token. */
  csrfOk(token: string, header: string | string[] | undefined): boolean {
    return this.tokens.checkCsrf(token, header);
  }

  /**
   * The credential a request's session cookie presents (null without the cookie). The MCP
   * endpoint takes Bearer keys only, and a state-changing request must carry the session's CSRF
   * token.
   */
  presentedBy(request: FastifyRequest, now: number): PresentedKey | Refusal | null {
    const token = sessionTokenOf(request.headers.cookie);
    if (token === null) return null;
    if (routeConfigOf(request).mcpProxy === true) {
      return refuse(ErrorCode.Unauthorized, 'missing_or_malformed_header', { challenge: true });
    }
    const credential = accountCredentialOf(token);
    let presented: PresentedKey | null;
    if (credential !== null) {
      presented = CREDENTIAL_PATTERN.test(credential) ? presentAccount(credential) : null;
    } else {
      presented = this.keySignIn ? this.tokens.verify(token, now) : null;
    }
    if (presented === null) {
      return refuse(ErrorCode.Unauthorized, 'invalid_session', { message: SESSION_ENDED_MESSAGE });
    }
    if (!SAFE_METHODS.has(request.method) && !this.tokens.checkCsrf(token, request.headers[CSRF_HEADER])) {
      return refuse(ErrorCode.Forbidden, 'csrf', { message: 'Missing or invalid CSRF token' });
    }
    return presented;
  }

  private keyView(token: string, claims: SessionClaims, policy: KeyPolicy): SessionView {
    return this.view(
      token,
      policy,
      {
        prefix: claims.keyPrefix,
        last4: claims.keyLast4,
        sessionExpiresAt: new Date(claims.expiresAt).toISOString(),
      },
      null,
    );
  }

  private view(
    token: string,
    policy: KeyPolicy,
    shown: { prefix: string; last4: string; sessionExpiresAt: string },
    account: AccountView | null,
  ): SessionView {
    return {
      key_id: policy.key_id,
      organization_id: policy.org_id,
      prefix: shown.prefix,
      last4: shown.last4,
      mode: policy.mode,
      scopes: policy.scopes,
      permissions: policy.permissions,
      usage_limit: policy.usage_limit,
      org_monthly_limit: policy.org_monthly_limit,
      key_expires_at: policy.expires_at,
      session_expires_at: shown.sessionExpiresAt,
      csrf_token: this.tokens.csrfFor(token),
      account,
    };
  }
}

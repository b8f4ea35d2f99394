import { AppError, ErrorCode, type KeyPolicy, type SessionView } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import {
  type KeyAuthority,
  type KeySource,
  type PresentedKey,
  type Refusal,
  presentKey,
  refuse,
} from '../auth/key-authority.js';
import { CSRF_HEADER, sessionTokenOf } from './session-cookie.js';
import { type SessionClaims, SessionTokens } from './session-token.js';

interface OpenedSession {
  token: string;
  claims: SessionClaims;
  view: SessionView;
}

const NO_SCOPES_MESSAGE = 'This key has no management scopes: sign in with an organization admin key';
const SESSION_ENDED_MESSAGE = 'Your dashboard session has ended: sign in again';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Dashboard sign-in: an admin key is exchanged for a signed session token naming the key's hash.
 * The key is checked by the key authority exactly like a Bearer key, and so is the session on every
 * later request (`presentedBy`, used by the auth hook), so revocation and expiry end it.
 */
export class DashboardSessions implements KeySource {
  readonly tokens: SessionTokens;

  constructor(
    secret: Buffer,
    private readonly authority: KeyAuthority,
    private readonly ttlMs: number,
  ) {
    this.tokens = new SessionTokens(secret);
  }

  /** Opens a session for `key`. Throws AppError 400/401/403/503. */
  async open(key: unknown, clientIp: string | null, now: number): Promise<OpenedSession> {
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
      expiresAt: Math.min(now + this.ttlMs, Date.parse(policy.expires_at)),
    };
    const token = this.tokens.sign(claims);
    return { token, claims, view: this.view(token, claims, policy) };
  }

  /** The session behind a cookie, re-checked against the key's current state. */
  async resume(token: string, clientIp: string | null, now: number): Promise<SessionView> {
    const claims = this.tokens.verify(token, now);
    if (claims === null) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED_MESSAGE);
    const { policy } = await this.authority.caller(claims, { clientIp }, now);
    return this.view(token, claims, policy);
  }

  /**
   * The key a request's session cookie names (null without the cookie). The MCP endpoint takes
   * Bearer keys only, and a state-changing request must carry the session's CSRF token.
   */
  presentedBy(request: FastifyRequest, now: number): PresentedKey | Refusal | null {
    const token = sessionTokenOf(request.headers.cookie);
    if (token === null) return null;
    if (request.routeOptions.config.mcpProxy === true) {
      return refuse(ErrorCode.Unauthorized, 'missing_or_malformed_header', { challenge: true });
    }
    const claims = this.tokens.verify(token, now);
    if (claims === null) {
      return refuse(ErrorCode.Unauthorized, 'invalid_session', { message: SESSION_ENDED_MESSAGE });
    }
    if (!SAFE_METHODS.has(request.method) && !this.tokens.checkCsrf(token, request.headers[CSRF_HEADER])) {
      return refuse(ErrorCode.Forbidden, 'csrf', { message: 'Missing or invalid CSRF token' });
    }
    return claims;
  }

  private view(token: string, claims: SessionClaims, policy: KeyPolicy): SessionView {
    return {
      key_id: policy.key_id,
      organization_id: policy.org_id,
      prefix: claims.keyPrefix,
      last4: claims.keyLast4,
      mode: policy.mode,
      scopes: policy.scopes,
      permissions: policy.permissions,
      usage_limit: policy.usage_limit,
      org_monthly_limit: policy.org_monthly_limit,
      key_expires_at: policy.expires_at,
      session_expires_at: new Date(claims.expiresAt).toISOString(),
      csrf_token: this.tokens.csrfFor(token),
    };
  }
}

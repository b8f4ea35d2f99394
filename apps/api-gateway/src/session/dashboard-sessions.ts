import {
  AppError,
  ErrorCode,
  type KeyPolicy,
  decide,
  hashApiKey,
  keyDisplayPrefix,
  keyLast4,
  parseApiKey,
  type SessionView,
} from '@plexmcp/contracts';
import type { KeyDecision, KeyDecisionCache } from '../auth/key-decision-cache.js';
import { type SessionClaims, SessionTokens } from './session-token.js';

export interface OpenedSession {
  token: string;
  claims: SessionClaims;
  view: SessionView;
}

export const NO_SCOPES_MESSAGE = 'This key has no management scopes: sign in with an organization admin key';
export const SESSION_ENDED_MESSAGE = 'Your dashboard session has ended: sign in again';

/**
 * Dashboard sign-in: an admin key is exchanged for a signed session token naming the key's hash.
 * The key is checked exactly like a Bearer key (the same cache, the same `decide()`), and so is the
 * session on every later request (see auth.hook.ts), so revocation and expiry end it.
 */
export class DashboardSessions {
  readonly tokens: SessionTokens;

  constructor(
    secret: Buffer,
    private readonly cache: KeyDecisionCache,
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
    const trimmed = key.trim();
    if (parseApiKey(trimmed) === null) throw new AppError(ErrorCode.Unauthorized);
    const keyHash = hashApiKey(trimmed);
    const policy = await this.check(keyHash, clientIp, now);
    if (policy.scopes.length === 0) throw new AppError(ErrorCode.Forbidden, NO_SCOPES_MESSAGE);
    const claims: SessionClaims = {
      keyHash,
      keyPrefix: keyDisplayPrefix(trimmed),
      keyLast4: keyLast4(trimmed),
      expiresAt: Math.min(now + this.ttlMs, Date.parse(policy.expires_at)),
    };
    const token = this.tokens.sign(claims);
    return { token, claims, view: this.view(token, claims, policy) };
  }

  /** The session behind a cookie, re-checked against the key's current state. */
  async resume(token: string, clientIp: string | null, now: number): Promise<SessionView> {
    const claims = this.tokens.verify(token, now);
    if (claims === null) throw new AppError(ErrorCode.Unauthorized, SESSION_ENDED_MESSAGE);
    const policy = await this.check(claims.keyHash, clientIp, now);
    return this.view(token, claims, policy);
  }

  private async check(keyHash: string, clientIp: string | null, now: number): Promise<KeyPolicy> {
    let decision: KeyDecision;
    try {
      decision = this.cache.peek(keyHash, now) ?? (await this.cache.load(keyHash));
    } catch {
      // Only a definite answer may open a session: anything else is 503, never a pass.
      throw new AppError(ErrorCode.ServiceUnavailable);
    }
    const verdict = decide({
      status: decision.status,
      policy: decision.policy,
      target: { kind: 'authenticated' },
      clientIp,
      now,
    });
    if (!verdict.allow) {
      throw new AppError(
        verdict.status === 401 ? ErrorCode.Unauthorized : ErrorCode.Forbidden,
        verdict.message,
      );
    }
    return decision.policy!;
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

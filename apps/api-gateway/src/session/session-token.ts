import { createHmac, timingSafeEqual } from 'node:crypto';
import { KEY_HASH_PATTERN } from '@plexmcp/contracts';

/**
 * What a dashboard session cookie carries: the SHA-256 of the admin key it was opened with (never
 * the key), the key's display prefix and last 4 characters, and when the session ends. Every
 * request with the cookie resolves the hash through the same key-decision cache as a Bearer key,
 * so a revoked or expired key ends the session on the next request.
 */
export interface SessionClaims {
  /** SHA-256 hex of the key. */
  keyHash: string;
  keyPrefix: string;
  keyLast4: string;
  /** Epoch ms after which the cookie is refused. */
  expiresAt: number;
}

const VERSION = 'v1';
const DISPLAY = /^pk_(live|test)_[A-Za-z0-9]{4}$/;
const LAST4 = /^[A-Za-z0-9]{4}$/;

function b64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

/**
 * Signs and verifies session tokens: `v1.<base64url JSON claims>.<base64url HMAC-SHA256>`.
 * Stateless, so every gateway sharing the secret accepts the cookie of every other one. The CSRF
 * token is derived from the session token with the same secret (a different label), so it needs
 * no storage either and cannot be computed by a page that cannot read the HttpOnly cookie.
 */
export class SessionTokens {
  constructor(private readonly secret: Buffer) {}

  sign(claims: SessionClaims): string {
    const payload = b64url(
      Buffer.from(
        JSON.stringify({ h: claims.keyHash, p: claims.keyPrefix, l: claims.keyLast4, e: claims.expiresAt }),
      ),
    );
    const body = `${VERSION}.${payload}`;
    return `${body}.${this.mac('session', body)}`;
  }

  /** The claims of a well-signed, unexpired token; null for anything else. */
  verify(token: string, now: number): SessionClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || token.length > 1_000) return null;
    const body = `${parts[0]}.${parts[1]}`;
    if (!this.equal(parts[2]!, this.mac('session', body))) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof raw !== 'object' || raw === null) return null;
    const { h, p, l, e } = raw as Record<string, unknown>;
    if (typeof h !== 'string' || !KEY_HASH_PATTERN.test(h)) return null;
    if (typeof p !== 'string' || !DISPLAY.test(p) || typeof l !== 'string' || !LAST4.test(l)) return null;
    if (typeof e !== 'number' || !Number.isFinite(e) || e <= now) return null;
    return { keyHash: h, keyPrefix: p, keyLast4: l, expiresAt: e };
  }

  /** The CSRF token bound to one session token (sent back in `X-CSRF-Token`). */
  csrfFor(sessionToken: string): string {
    return this.mac('csrf', sessionToken);
  }

  checkCsrf(sessionToken: string, header: string | string[] | undefined): boolean {
    return typeof header === 'string' && this.equal(header, this.csrfFor(sessionToken));
  }

  private mac(label: string, data: string): string {
    return b64url(createHmac('sha256', this.secret).update(label).update('\0').update(data).digest());
  }

  private equal(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

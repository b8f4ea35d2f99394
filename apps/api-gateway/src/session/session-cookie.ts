import { CidrList } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';

const SESSION_COOKIE = 'plexmcp_session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * A person's session cookie holds `a1.` and a random credential; the session list (key-service)
 * knows it by its SHA-256. A cookie without the prefix is a signed admin-key session (`v1.…`).
 */
const ACCOUNT_PREFIX = 'a1.';

export function accountCookieValue(credential: string): string {
  return ACCOUNT_PREFIX + credential;
}

/** The credential of a person's session cookie value, or null when it is not one. */
export function accountCredentialOf(token: string): string | null {
  return token.startsWith(ACCOUNT_PREFIX) ? token.slice(ACCOUNT_PREFIX.length) : null;
}

/** The value of the session cookie in a `Cookie` header, or null. */
export function sessionTokenOf(cookieHeader: string | undefined): string | null {
  if (cookieHeader === undefined) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value.length > 0 ? value : null;
    }
  }
  return null;
}

/**
 * Whether the browser reached us over HTTPS: a TLS socket, or `X-Forwarded-Proto: https` set by a
 * trusted proxy (TRUSTED_PROXIES). The session cookie is `Secure` exactly then.
 */
export function createHttpsDetector(trustedProxies: readonly string[]) {
  const trusted = trustedProxies.length > 0 ? new CidrList(trustedProxies) : null;
  return (request: FastifyRequest): boolean => {
    if ((request.raw.socket as { encrypted?: boolean }).encrypted === true) return true;
    // No trusted proxy: no forwarded header counts, whatever the peer.
    if (trusted === null) return false;
    const peer = request.raw.socket.remoteAddress?.replace(/^::ffff:(?=\d+\.)/, '');
    if (peer === undefined || !trusted.matches(peer)) return false;
    const proto = request.headers['x-forwarded-proto'];
    return typeof proto === 'string' && proto.split(',')[0]!.trim().toLowerCase() === 'https';
  };
}

/** `Set-Cookie` for a session: HttpOnly, SameSite=Strict, whole site (the API is under /v1). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

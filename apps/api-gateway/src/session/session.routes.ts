import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ClientIpResolver } from '../auth/client-ip.js';
import type { KeyAuthority } from '../auth/key-authority.js';
import { PUBLIC } from '../auth/route-access.js';
import { NO_STORE, sendError } from '../common/envelope.js';
import type { SessionView } from '@plexmcp/contracts';
import type { DashboardSessions } from './dashboard-sessions.js';
import {
  CSRF_HEADER,
  accountCredentialOf,
  clearedSessionCookie,
  sessionCookie,
  sessionTokenOf,
} from './session-cookie.js';

/**
 * Whether a sign-in comes from the dashboard's own pages. Login CSRF rests on this, and a foreign
 * page can forge neither header: `Sec-Fetch-Site` (sent by current browsers on every request)
 * decides when present; otherwise `Origin` (sent by browsers on every POST) must name this host.
 * A request with neither is refused — only a non-browser client omits both, and the dashboard is
 * the only client of this route.
 */
function isSameOrigin(headers: FastifyRequest['headers']): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false; // `null` (sandboxed frames, redirects) or garbage
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(?:;|$)/i.test(contentType);
}

const SESSION_PATH = '/dashboard/api/session';

export interface SessionRoutesDeps {
  sessions: DashboardSessions;
  ipResolver: ClientIpResolver;
  authority: KeyAuthority;
  isHttps: (request: FastifyRequest) => boolean;
  logger: Logger;
}

const NOT_JSON = new AppError(ErrorCode.ValidationError, 'Sign-in takes a JSON body: {"key": "pk_…"}', {
  details: [{ field: 'key', message: 'send application/json' }],
});

/**
 * Why a sign-in step is refused before its body is read, or null: the client IP is over its
 * failed-attempt budget (429), the request is not from the dashboard's own origin (403, login
 * CSRF), or it is not JSON (`notJson`, 400).
 */
export function refuseSignIn(
  request: FastifyRequest,
  ip: string | null,
  authority: KeyAuthority,
  now: number,
  notJson: AppError,
): AppError | null {
  const throttled = authority.throttled(ip, now);
  if (throttled !== null) return throttled.error;
  if (!isSameOrigin(request.headers)) return new AppError(ErrorCode.Forbidden, 'Cross-site sign-in refused');
  if (!isJson(request.headers['content-type'])) return notJson;
  return null;
}

/**
 * Answers a failed session call: unexpected errors are logged (500), a 401 feeds the per-IP
 * throttle and clears the cookie.
 */
export function failSession(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  ip: string | null,
  deps: Pick<SessionRoutesDeps, 'authority' | 'isHttps' | 'logger'>,
): FastifyReply {
  const error = err instanceof AppError ? err : new AppError(ErrorCode.InternalError);
  if (!(err instanceof AppError))
    deps.logger.error({ err, request_id: request.requestId }, 'dashboard session failed');
  deps.authority.failed(error, ip);
  if (error.code === ErrorCode.Unauthorized) {
    reply.header('set-cookie', clearedSessionCookie(deps.isHttps(request)));
  }
  return sendError(reply, error, request.requestId);
}

/**
 * Dashboard sign-in with an admin key (POST, break-glass: `DASHBOARD_KEY_SIGN_IN`), session check
 * (GET, either kind of session) and sign-out (DELETE, either kind). Outside /v1, so the auth
 * hook only stamps request ids and headers here; these handlers check keys and cookies themselves
 * through DashboardSessions (and so the key authority). Sign-in only takes a JSON body (a cross-site HTML form cannot send
 * one) and only from the same origin (`Origin` or `Sec-Fetch-Site`, see isSameOrigin); failures
 * feed the same per-IP throttle as bad Bearer keys.
 */
export function registerSessionRoutes(fastify: FastifyInstance, deps: SessionRoutesDeps): void {
  const { sessions, ipResolver, authority, isHttps } = deps;

  const fail = (
    request: FastifyRequest,
    reply: FastifyReply,
    err: unknown,
    ip: string | null,
  ): FastifyReply => failSession(request, reply, err, ip, deps);

  const send = (reply: FastifyReply, status: number, view: SessionView | { signed_out: true }) =>
    reply.code(status).header('cache-control', NO_STORE).send({ success: true, data: view });

  // Public: these routes check the key or the session cookie themselves.
  const config = { access: PUBLIC };
  fastify.post(SESSION_PATH, { config }, async (request, reply) => {
    reply.header('cache-control', NO_STORE);
    const ip = ipResolver.of(request);
    const now = Date.now();
    const refused = refuseSignIn(request, ip, authority, now, NOT_JSON);
    if (refused !== null) return sendError(reply, refused, request.requestId);
    const body = request.body as { key?: unknown } | null | undefined;
    try {
      const opened = await sessions.open(body?.key, ip, now);
      const maxAge = (opened.claims.expiresAt - now) / 1000;
      reply.header('set-cookie', sessionCookie(opened.token, maxAge, isHttps(request)));
      return send(reply, 201, opened.view);
    } catch (err) {
      return fail(request, reply, err, ip);
    }
  });

  fastify.get(SESSION_PATH, { config }, async (request, reply) => {
    reply.header('cache-control', NO_STORE);
    const ip = ipResolver.of(request);
    const token = sessionTokenOf(request.headers.cookie);
    if (token === null) {
      return sendError(reply, new AppError(ErrorCode.Unauthorized, 'Not signed in'), request.requestId);
    }
    try {
      return send(reply, 200, await sessions.resume(token, ip, Date.now()));
    } catch (err) {
      return fail(request, reply, err, ip);
    }
  });

  fastify.delete(SESSION_PATH, { config }, async (request, reply) => {
    const token = sessionTokenOf(request.headers.cookie);
    // Signing out of a live session needs its CSRF token (a foreign page cannot log the user out).
    const live =
      token !== null &&
      (accountCredentialOf(token) !== null || sessions.tokens.verify(token, Date.now()) !== null);
    if (live && !sessions.csrfOk(token, request.headers[CSRF_HEADER])) {
      return sendError(
        reply,
        new AppError(ErrorCode.Forbidden, 'Missing or invalid CSRF token'),
        request.requestId,
      );
    }
    reply.header('set-cookie', clearedSessionCookie(isHttps(request)));
    if (live) {
      try {
        // A person's session ends server-side, on every gateway, before this answers.
        await sessions.end(token);
      } catch (err) {
        return fail(request, reply, err, null);
      }
    }
    return send(reply, 200, { signed_out: true });
  });
}

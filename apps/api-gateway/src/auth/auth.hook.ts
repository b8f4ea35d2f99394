import {
  AppError,
  type DecisionTarget,
  ErrorCode,
  decide,
  hashApiKey,
  keyDisplayPrefix,
  keyLast4,
  parseApiKey,
  refusalError,
} from '@plexmcp/contracts';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { sendError } from '../common/envelope.js';
import { requestIds } from '../common/request-id.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { DashboardSessions } from '../session/dashboard-sessions.js';
import { CSRF_HEADER, sessionTokenOf } from '../session/session-cookie.js';
import { SESSION_ENDED_MESSAGE } from '../session/dashboard-sessions.js';
import type { SessionClaims } from '../session/session-token.js';
import type { ClientIpResolver } from './client-ip.js';
import type { FailedAttemptThrottle } from './failed-attempt-throttle.js';
import type { KeyDecision, KeyDecisionCache } from './key-decision-cache.js';
import type { KeyRateLimiter } from './key-rate-limiter.js';
import { extractBearerKey } from './authorization-header.js';
import type { RouteAccess } from './route-access.js';
import './request-context.js';

export interface AuthHookDeps {
  cache: KeyDecisionCache;
  ipResolver: ClientIpResolver;
  throttle: FailedAttemptThrottle;
  rateLimiter: KeyRateLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Helmet's headers for this API, precomputed (see common/security-headers.ts). */
  securityHeaders: Readonly<Record<string, string>>;
  /**
   * Dashboard sessions: a request without Authorization may carry the session cookie instead. It
   * names a key hash, which then goes through exactly the same decision as a Bearer key.
   */
  sessions?: DashboardSessions;
}

const AUTHENTICATED: DecisionTarget = { kind: 'authenticated' };
/** What a route that somehow declares nothing gets: authentication, never a pass. */
const DENY_BY_DEFAULT: RouteAccess = {};
const WWW_AUTHENTICATE = 'www-authenticate';
const CHALLENGE = 'Bearer';
const CHALLENGE_SCOPE = 'Bearer error="insufficient_scope"';

type Done = HookHandlerDoneFunction;
/** The caller's key, or the session standing for it (which knows the display parts, not the key). */
type Presented = string | SessionClaims;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The decision a route declares, computed once per route (see route-access.ts). */
const routeTargets = new WeakMap<RouteAccess, DecisionTarget>();
function routeTarget(access: RouteAccess): DecisionTarget {
  let target = routeTargets.get(access);
  if (target === undefined) {
    target =
      access.public !== true && access.scope !== undefined
        ? { kind: 'scope', scope: access.scope, ...(access.live === true ? { live: true } : {}) }
        : AUTHENTICATED;
    routeTargets.set(access, target);
  }
  return target;
}

/**
 * The authentication hot path, run as a Fastify `onRequest` hook on the route the router matched
 * (so every spelling of a URL that reaches a route gets that route's check). It also stamps every
 * response with its X-Request-Id and the security headers.
 * Every route not declared public needs `Authorization: Bearer <key>` (or a dashboard session); a
 * malformed key is refused without any network call, a cached decision without any either; only a
 * miss asks the key-service, and a key-service that does not answer means 503 (fail closed).
 * Then the route's declared scope is checked with `decide()`. Failed attempts feed the per-IP
 * throttle; the key's own rate limit is enforced here too. A request no route matched is left to
 * the not-found handler: there is nothing behind it to protect.
 */
export function createAuthHook(deps: AuthHookDeps) {
  const { cache, ipResolver, throttle, rateLimiter, metrics, logger, securityHeaders, sessions } = deps;
  const decisionCounters = new Map<string, { inc(): void }>();
  const count = (outcome: string, reason: string): void => {
    const id = outcome + ':' + reason;
    let counter = decisionCounters.get(id);
    if (counter === undefined) {
      counter = metrics.tally(metrics.authDecisions, { outcome, reason });
      decisionCounters.set(id, counter);
    }
    counter.inc();
  };

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: AppError): void => {
    const proxy = request.routeOptions.config.mcpProxy === true;
    if (proxy && error.code === ErrorCode.Unauthorized) reply.header(WWW_AUTHENTICATE, CHALLENGE);
    else if (proxy && error.code === ErrorCode.Forbidden) reply.header(WWW_AUTHENTICATE, CHALLENGE_SCOPE);
    sendError(reply, error, request.requestId);
  };

  const unauthorized = (
    request: FastifyRequest,
    reply: FastifyReply,
    reason: string,
    message?: string,
  ): void => {
    count('deny', reason);
    throttle.recordFailure(request.clientIp);
    refuse(request, reply, new AppError(ErrorCode.Unauthorized, message));
  };

  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: Done,
    decision: KeyDecision,
    key: Presented,
    keyHash: string,
    now: number,
    source: string,
  ): void => {
    const authenticated = decide({
      status: decision.status,
      policy: decision.policy,
      target: AUTHENTICATED,
      clientIp: request.clientIp,
      now,
    });
    if (!authenticated.allow) {
      if (authenticated.status === 401) {
        return unauthorized(request, reply, authenticated.reason, authenticated.message);
      }
      count('deny', authenticated.reason);
      return refuse(request, reply, refusalError(authenticated));
    }
    const policy = decision.policy!;
    request.auth =
      typeof key === 'string'
        ? { policy, keyHash, keyPrefix: keyDisplayPrefix(key), keyLast4: keyLast4(key) }
        : { policy, keyHash, keyPrefix: key.keyPrefix, keyLast4: key.keyLast4 };

    // The route's own requirement (a scope, live data), decided before its handler runs.
    const target = routeTarget(request.routeOptions.config.access ?? DENY_BY_DEFAULT);
    if (target !== AUTHENTICATED) {
      const verdict = decide({ status: 'active', policy, target, clientIp: request.clientIp, now });
      if (!verdict.allow) {
        count('deny', verdict.reason);
        return refuse(request, reply, refusalError(verdict));
      }
    }

    if (policy.rate_limit === null) {
      count('allow', source);
      return done();
    }
    rateLimiter.consume(policy.key_id, policy.rate_limit).then(
      (outcome) => {
        reply.headers(outcome.headers);
        if (!outcome.allowed) {
          count('deny', 'rate_limited');
          return refuse(request, reply, new AppError(ErrorCode.RateLimited));
        }
        count('allow', source);
        done();
      },
      (err: unknown) => {
        logger.error({ err, request_id: request.requestId }, 'rate limiter failed');
        refuse(request, reply, new AppError(ErrorCode.InternalError));
      },
    );
  };

  function authenticate(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    const requestId = requestIds.next();
    request.requestId = requestId;
    reply.headers(securityHeaders);
    reply.header('x-request-id', requestId);
    if (request.is404) return done();
    const access = request.routeOptions.config.access ?? DENY_BY_DEFAULT;
    if (access.public === true) return done();

    const now = Date.now();
    request.receivedAt = now;
    const ip = ipResolver.resolve(request.raw.socket.remoteAddress, request.headers['x-forwarded-for']);
    request.clientIp = ip;

    const blockedMs = throttle.blockedFor(ip, now);
    if (blockedMs > 0) {
      count('deny', 'throttled');
      return refuse(
        request,
        reply,
        new AppError(ErrorCode.RateLimited, 'Too many failed authentication attempts', {
          headers: { 'retry-after': String(Math.max(1, Math.ceil(blockedMs / 1000))) },
        }),
      );
    }

    const header = request.headers.authorization;
    if (header === undefined && sessions !== undefined) {
      const token = sessionTokenOf(request.headers.cookie);
      if (token !== null) return authenticateSession(request, reply, done, token, now);
    }
    const key = extractBearerKey(header);
    if (key === null) return unauthorized(request, reply, 'missing_or_malformed_header');
    if (parseApiKey(key) === null) return unauthorized(request, reply, 'malformed_key');
    resolve(request, reply, done, key, hashApiKey(key), now);
  }

  /**
   * A dashboard request: the signed session names a key hash. The MCP proxy takes Bearer keys only,
   * and a state-changing request must carry the session's CSRF token.
   */
  function authenticateSession(
    request: FastifyRequest,
    reply: FastifyReply,
    done: Done,
    token: string,
    now: number,
  ): void {
    if (request.routeOptions.config.mcpProxy === true) {
      return unauthorized(request, reply, 'missing_or_malformed_header');
    }
    const claims = sessions!.tokens.verify(token, now);
    if (claims === null) return unauthorized(request, reply, 'invalid_session', SESSION_ENDED_MESSAGE);
    if (
      !SAFE_METHODS.has(request.method) &&
      !sessions!.tokens.checkCsrf(token, request.headers[CSRF_HEADER])
    ) {
      count('deny', 'csrf');
      return refuse(request, reply, new AppError(ErrorCode.Forbidden, 'Missing or invalid CSRF token'));
    }
    resolve(request, reply, done, claims, claims.keyHash, now);
  }

  function resolve(
    request: FastifyRequest,
    reply: FastifyReply,
    done: Done,
    key: Presented,
    keyHash: string,
    now: number,
  ): void {
    const requestId = request.requestId;
    const cached = cache.peek(keyHash, now);
    if (cached !== undefined) return admit(request, reply, done, cached, key, keyHash, now, 'cached');

    cache.load(keyHash).then(
      (decision) => admit(request, reply, done, decision, key, keyHash, Date.now(), 'validated'),
      (err: unknown) => {
        const error =
          err instanceof AppError
            ? err
            : new AppError(ErrorCode.ServiceUnavailable, undefined, { cause: err });
        if (!(err instanceof AppError)) logger.error({ err, request_id: requestId }, 'key validation failed');
        count(
          'deny',
          error.code === ErrorCode.ServiceUnavailable ? 'key_service_unavailable' : 'validation_error',
        );
        // Only a definite answer may let a request through: anything else is 503, never a pass.
        sendError(
          reply,
          error.code === ErrorCode.ServiceUnavailable
            ? error
            : new AppError(ErrorCode.ServiceUnavailable, undefined, { cause: error }),
          requestId,
        );
      },
    );
  }

  return authenticate;
}

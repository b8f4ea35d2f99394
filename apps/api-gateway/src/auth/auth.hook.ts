import type { DecisionTarget } from '@plexmcp/contracts';
import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { sendError } from '../common/envelope.js';
import { requestIdOf } from '../common/request-id.js';
import type { AnswerHeaders } from '../common/security-headers.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { ClientIpResolver } from './client-ip.js';
import {
  type Asking,
  type KeyAuthority,
  type KeySource,
  Refusal,
  type Verdict,
  askingOf,
  permit,
} from './key-authority.js';
import type { KeyRateLimiter } from './key-rate-limiter.js';
import { type RouteAccess, routeConfigOf } from './route-access.js';
import './request-context.js';

interface AuthHookDeps {
  authority: KeyAuthority;
  ipResolver: ClientIpResolver;
  rateLimiter: KeyRateLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  /** The security headers and X-Request-Id every answer carries (see common/security-headers.ts). */
  answerHeaders: AnswerHeaders;
  /**
   * Dashboard sessions: a request without Authorization may carry the session cookie instead. It
   * names a key, which then goes through exactly the same verdict as a Bearer key.
   */
  sessions?: KeySource;
}

const AUTHENTICATED: DecisionTarget = { kind: 'authenticated' };
/** What a route that somehow declares nothing gets: authentication, never a pass. */
const DENY_BY_DEFAULT: RouteAccess = {};

type Done = HookHandlerDoneFunction;

/** The decision a route declares, computed once per route (see route-access.ts). */
const routeTargets = new WeakMap<RouteAccess, DecisionTarget>();
function routeTarget(access: RouteAccess): DecisionTarget {
  let target = routeTargets.get(access);
  if (target === undefined) {
    target =
      access.public === true
        ? AUTHENTICATED
        : 'role' in access
          ? { kind: 'role', role: access.role }
          : access.scope !== undefined
            ? { kind: 'scope', scope: access.scope, ...(access.live === true ? { live: true } : {}) }
            : AUTHENTICATED;
    routeTargets.set(access, target);
  }
  return target;
}

/**
 * The authentication hot path, run as a Fastify `onRequest` hook on the route the router matched
 * (so every spelling of a URL that reaches a route gets that route's check). It also stamps every
 * response with its X-Request-Id (the client's own when well-formed) and the security headers,
 * except on a route that `writesOwnHead` (the MCP proxy), which stamps its answers itself.
 * Every route not declared public needs `Authorization: Bearer <key>` (or a dashboard session);
 * the key authority (key-authority.ts) gives the caller or the refusal — a malformed key without
 * any network call, a cached decision without any either, and a key-service that does not answer
 * means 503 (fail closed). Then the route's declared scope is checked with `permit()`. Refusals
 * feed the per-IP throttle; the key's own rate limit is enforced here too. A request no route
 * matched is left to the not-found handler: there is nothing behind it to protect.
 */
export function createAuthHook(deps: AuthHookDeps) {
  const { authority, ipResolver, rateLimiter, metrics, logger, answerHeaders, sessions } = deps;
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

  const deny = (request: FastifyRequest, reply: FastifyReply, refusal: Refusal): void => {
    count('deny', refusal.reason);
    authority.failed(refusal.error, request.clientIp);
    sendError(reply, refusal.error, request.requestId);
  };

  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: Done,
    verdict: Verdict,
    asking: Asking,
    now: number,
    source: string,
  ): void => {
    if (verdict instanceof Refusal) return deny(request, reply, verdict);
    request.auth = verdict;

    // The route's own requirement (a scope, live data), decided before its handler runs.
    const target = routeTarget(routeConfigOf(request).access ?? DENY_BY_DEFAULT);
    if (target !== AUTHENTICATED) {
      const refused = permit(verdict, target, asking, now);
      if (refused !== null) return deny(request, reply, refused);
    }

    const policy = verdict.policy;
    if (policy.rate_limit === null) {
      count('allow', source);
      return done();
    }
    rateLimiter.consume(policy.key_id, policy.rate_limit).then(
      (outcome) => {
        reply.headers(outcome.headers);
        if (!outcome.allowed) {
          count('deny', 'rate_limited');
          return sendError(reply, new AppError(ErrorCode.RateLimited), request.requestId);
        }
        count('allow', source);
        done();
      },
      (err: unknown) => {
        logger.error({ err, request_id: request.requestId }, 'rate limiter failed');
        sendError(reply, new AppError(ErrorCode.InternalError), request.requestId);
      },
    );
  };

  return function authenticate(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    const requestId = requestIdOf(request.headers['x-request-id']);
    request.requestId = requestId;
    const config = routeConfigOf(request);
    if (config.writesOwnHead !== true) answerHeaders.stamp(reply, requestId);
    if (request.is404) return done();
    const access = config.access ?? DENY_BY_DEFAULT;
    if (access.public === true) return done();

    const now = Date.now();
    request.receivedAt = now;
    const clientIp = ipResolver.of(request);
    request.clientIp = clientIp;

    const throttled = authority.throttled(clientIp, now);
    if (throttled !== null) return deny(request, reply, throttled);

    const asking = askingOf(request);
    const header = request.headers.authorization;
    const key =
      (header === undefined ? sessions?.presentedBy(request, now) : null) ?? authority.bearer(header, asking);
    if (key instanceof Refusal) return deny(request, reply, key);
    const verdict = authority.authenticate(key, asking, now);
    if (verdict instanceof Promise) {
      void verdict.then((settled) => admit(request, reply, done, settled, asking, Date.now(), 'validated'));
    } else {
      admit(request, reply, done, verdict, asking, now, 'cached');
    }
  };
}

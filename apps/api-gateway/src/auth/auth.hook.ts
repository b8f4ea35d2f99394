import {
  AppError,
  type DecisionTarget,
  ErrorCode,
  decide,
  hashApiKey,
  keyDisplayPrefix,
  keyLast4,
  parseApiKey,
} from '@plexmcp/contracts';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { sendError } from '../common/envelope.js';
import { requestIds } from '../common/request-id.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { UsageLimitsService } from '../usage-limits/usage-limits.service.js';
import type { ClientIpResolver } from './client-ip.js';
import type { FailedAttemptThrottle } from './failed-attempt-throttle.js';
import type { KeyDecision, KeyDecisionCache } from './key-decision-cache.js';
import type { KeyRateLimiter } from './key-rate-limiter.js';
import { extractBearerKey } from './authorization-header.js';
import './request-context.js';

export interface AuthHookDeps {
  cache: KeyDecisionCache;
  ipResolver: ClientIpResolver;
  throttle: FailedAttemptThrottle;
  rateLimiter: KeyRateLimiter;
  usageLimits: UsageLimitsService;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Helmet's headers for this API, precomputed (see common/security-headers.ts). */
  securityHeaders: Readonly<Record<string, string>>;
}

const AUTHENTICATED: DecisionTarget = { kind: 'authenticated' };
const PROTECTED_PREFIX = '/v1/';
const WWW_AUTHENTICATE = 'www-authenticate';
const CHALLENGE = 'Bearer';
const CHALLENGE_SCOPE = 'Bearer error="insufficient_scope"';

type Done = HookHandlerDoneFunction;

/**
 * The authentication hot path, run as a Fastify `onRequest` hook before routing reaches Nest. It
 * also stamps every response with its X-Request-Id and the security headers.
 * Everything under /v1 needs `Authorization: Bearer <key>`; a malformed key is refused without any
 * network call, a cached decision without any either; only a miss asks the key-service, and a
 * key-service that does not answer means 503 (fail closed). Failed attempts feed the per-IP
 * throttle; usage-limit blocks and the key's own rate limit are enforced here too.
 */
export function createAuthHook(deps: AuthHookDeps) {
  const { cache, ipResolver, throttle, rateLimiter, usageLimits, metrics, logger, securityHeaders } = deps;
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
    key: string,
    keyHash: string,
    now: number,
    source: string,
  ): void => {
    const verdict = decide({
      status: decision.status,
      policy: decision.policy,
      target: AUTHENTICATED,
      clientIp: request.clientIp,
      now,
    });
    if (!verdict.allow) {
      if (verdict.status === 401) return unauthorized(request, reply, verdict.reason, verdict.message);
      count('deny', verdict.reason);
      return refuse(request, reply, new AppError(ErrorCode.Forbidden, verdict.message));
    }
    const policy = decision.policy!;
    request.auth = { policy, keyHash, keyPrefix: keyDisplayPrefix(key), keyLast4: keyLast4(key) };

    const block = usageLimits.blockFor(policy, now);
    if (block !== null) {
      count('deny', 'usage_limit');
      const retryAfter = String(Math.max(1, Math.ceil((Date.parse(block.reset_at) - now) / 1000)));
      return refuse(
        request,
        reply,
        new AppError(ErrorCode.UsageLimitExceeded, undefined, {
          headers: { 'retry-after': retryAfter, 'ratelimit-reset': retryAfter },
        }),
      );
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

  return function authenticate(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    const requestId = requestIds.next();
    request.requestId = requestId;
    reply.headers(securityHeaders);
    reply.header('x-request-id', requestId);
    if (!request.url.startsWith(PROTECTED_PREFIX)) return done();

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

    const key = extractBearerKey(request.headers.authorization);
    if (key === null) return unauthorized(request, reply, 'missing_or_malformed_header');
    if (parseApiKey(key) === null) return unauthorized(request, reply, 'malformed_key');

    const keyHash = hashApiKey(key);
    const cached = cache.peek(keyHash, now);
    if (cached !== undefined) return admit(request, reply, done, cached, key, keyHash, now, 'cached');

    cache.load(keyHash).then(
      (decision) => admit(request, reply, done, decision, key, keyHash, Date.now(), 'validated'),
      (err: unknown) => {
        const error = err instanceof AppError ? err : new AppError(ErrorCode.ServiceUnavailable);
        if (!(err instanceof AppError)) logger.error({ err, request_id: requestId }, 'key validation failed');
        count(
          'deny',
          error.code === ErrorCode.ServiceUnavailable ? 'key_service_unavailable' : 'validation_error',
        );
        // Only a definite answer may let a request through: anything else is 503, never a pass.
        sendError(
          reply,
          error.code === ErrorCode.ServiceUnavailable ? error : new AppError(ErrorCode.ServiceUnavailable),
          requestId,
        );
      },
    );
  };
}

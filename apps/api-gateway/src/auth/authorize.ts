import { AppError, type DecisionTarget, ErrorCode, decide, refusalError } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from './request-context.js';

/**
 * The authenticated caller. A route that is not public always has one (the auth hook ran on the
 * matched route); finding none answers 401, never a crash.
 */
export function callerOf(request: FastifyRequest): AuthContext {
  const auth = request.auth;
  if (auth === null || auth === undefined) throw new AppError(ErrorCode.Unauthorized);
  return auth;
}

/**
 * May the caller act on this target? The gateway's one authorization call, used by the auth hook
 * for what a route declares and by handlers once they know their target (a key, an MCP). Throws
 * the refusal (401/403/404) from `decide()`, the same rule the key-service applies.
 */
export function authorize(request: FastifyRequest, target: DecisionTarget, now = Date.now()): AuthContext {
  const auth = callerOf(request);
  const verdict = decide({ status: 'active', policy: auth.policy, target, clientIp: request.clientIp, now });
  if (!verdict.allow) throw refusalError(verdict);
  return auth;
}

import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, AppError, ErrorCode, type Scope, decide } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from './request-context.js';

const SCOPE_KEY = 'plexmcp:required-scope';

/** The management scope a route needs (SPEC §4); checked by ScopeGuard with `decide()`. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

function authOf(request: FastifyRequest): AuthContext {
  // The onRequest hook authenticates everything under /v1; reaching here without it is a bug.
  if (request.auth === null || request.auth === undefined) throw new AppError(ErrorCode.Unauthorized);
  return request.auth;
}

@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const scope = this.reflector.get<Scope | undefined>(SCOPE_KEY, context.getHandler());
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const auth = authOf(request);
    if (scope === undefined) return true;
    const verdict = decide({
      status: 'active',
      policy: auth.policy,
      target: { kind: 'scope', scope },
      clientIp: request.clientIp,
      now: Date.now(),
    });
    if (!verdict.allow) throw new AppError(ErrorCode.Forbidden);
    return true;
  }
}

/** The authenticated caller. */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext =>
  authOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** The management actor sent with every RPC: the calling key's own organization. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const auth = authOf(request);
  return { org_id: auth.policy.org_id, key_id: auth.policy.key_id, ip: request.clientIp };
});

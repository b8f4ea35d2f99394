import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Actor } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import { callerOf } from './key-authority.js';
import type { AuthContext } from './request-context.js';

/** The authenticated caller. */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext =>
  callerOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** The management actor sent with every RPC: the calling key, its own organization, its address. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const auth = callerOf(request);
  return { org_id: auth.policy.org_id, key_id: auth.policy.key_id, ip: request.clientIp };
});

import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Actor } from '@plexmcp/contracts';
import type { FastifyRequest } from 'fastify';
import { callerOf } from './key-authority.js';
import type { AuthContext } from './request-context.js';

/** The authenticated caller. */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext =>
  callerOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

/**
 * The management actor sent with every RPC: the calling key (or a person's dashboard session),
 * its own organization, its address. The key-service checks it again from its own records.
 */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const { policy } = callerOf(request);
  if (policy.user) {
    return { org_id: policy.org_id, key_id: null, session_id: policy.user.session_id, ip: request.clientIp };
  }
  return { org_id: policy.org_id, key_id: policy.key_id, ip: request.clientIp };
});

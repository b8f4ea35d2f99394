import { AppError, ErrorCode, type KeyPolicy } from '@plexmcp/contracts';
import type { FastifyInstance } from 'fastify';
import type { AuthContext } from '../auth/request-context.js';
import { AUTHENTICATED } from '../auth/route-access.js';
import { sendError } from '../common/envelope.js';

interface MeView {
  id: string;
  object: 'api_key';
  organization_id: string;
  mode: KeyPolicy['mode'];
  prefix: string;
  last4: string;
  permissions: KeyPolicy['permissions'];
  scopes: KeyPolicy['scopes'];
  rate_limit: KeyPolicy['rate_limit'];
  usage_limit: KeyPolicy['usage_limit'];
  expires_at: string;
}

function meView(auth: AuthContext): MeView {
  const p = auth.policy;
  return {
    id: p.key_id,
    object: 'api_key',
    organization_id: p.org_id,
    mode: p.mode,
    prefix: auth.keyPrefix,
    last4: auth.keyLast4,
    permissions: p.permissions,
    scopes: p.scopes,
    rate_limit: p.rate_limit,
    usage_limit: p.usage_limit,
    expires_at: p.expires_at,
  };
}

/**
 * `GET /v1/me`: the calling key's own metadata, answered from the cached policy — no network round
 * trip. It is the cheapest authenticated call and the one clients poll, so it is a plain Fastify
 * route beside the MCP proxy rather than a Nest controller: Nest's per-request pipeline (execution
 * context, parameter factories, middleware runner) roughly doubled its cost.
 */
export function registerMeRoute(app: FastifyInstance): void {
  app.get('/v1/me', { config: { access: AUTHENTICATED } }, (request, reply) => {
    if (request.auth === null) {
      // The auth hook authenticates every non-public route; reaching here without it is a bug.
      sendError(reply, new AppError(ErrorCode.Unauthorized), request.requestId);
      return;
    }
    void reply.send({ success: true, data: meView(request.auth) });
  });
}

import { AppError, ErrorCode, type KeyPolicy } from '@plexmcp/contracts';
import type { FastifyInstance } from 'fastify';
import type { AuthContext } from '../auth/request-context.js';
import { AUTHENTICATED } from '../auth/route-access.js';
import { JSON_CONTENT_TYPE, sendError } from '../common/envelope.js';

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

/** A key's `/v1/me` answer, serialized once per cached decision (see bodyOf). */
interface CachedBody {
  readonly prefix: string;
  readonly last4: string;
  readonly json: string;
}

/**
 * `GET /v1/me`: the calling key's own metadata, answered from the cached policy — no network round
 * trip. It is the cheapest authenticated call and the one clients poll, so it is a plain Fastify
 * route beside the MCP proxy rather than a Nest controller: Nest's per-request pipeline (execution
 * context, parameter factories, middleware runner) roughly doubled its cost.
 *
 * The answer is a function of the cached decision alone (its policy object, replaced whole when
 * the key changes or the decision is reloaded, and the key's display parts), so it is serialized
 * once per policy object and the JSON text reused while that decision is cached: building and
 * stringifying the view was ~2 µs of each request. Held weakly: an evicted decision takes its
 * answer with it. The display parts are compared too, so a policy object reached through another
 * presented credential never answers with the first one's prefix.
 */
export function registerMeRoute(app: FastifyInstance): void {
  const bodies = new WeakMap<KeyPolicy, CachedBody>();
  const bodyOf = (auth: AuthContext): string => {
    const cached = bodies.get(auth.policy);
    if (cached !== undefined && cached.prefix === auth.keyPrefix && cached.last4 === auth.keyLast4)
      return cached.json;
    const json = JSON.stringify({ success: true, data: meView(auth) });
    bodies.set(auth.policy, { prefix: auth.keyPrefix, last4: auth.keyLast4, json });
    return json;
  };

  app.get('/v1/me', { config: { access: AUTHENTICATED } }, (request, reply) => {
    if (request.auth === null) {
      // The auth hook authenticates every non-public route; reaching here without it is a bug.
      sendError(reply, new AppError(ErrorCode.Unauthorized), request.requestId);
      return;
    }
    void reply.type(JSON_CONTENT_TYPE).send(bodyOf(request.auth));
  });
}

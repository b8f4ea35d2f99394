import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  AppError,
  ErrorCode,
  type OidcClient,
  OidcSubjects,
  OutboundAddressPolicy,
  hashCredential,
  newCredential,
  oidcClientSchema,
  openedSessionSchema,
  orgIdSchema,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { PUBLIC } from '../auth/route-access.js';
import { NO_STORE, sendError } from '../common/envelope.js';
import { guardedConnector } from '../mcps/proxy/upstream-pools.js';
import { accountCookieValue, sessionCookie } from './session-cookie.js';
import type { SessionRoutesDeps } from './session.routes.js';

const BASE = '/v1/session/oidc';
const FLOW_COOKIE = 'plexmcp_oidc';
/** How long a sign-in may stay at the provider before its state is forgotten. */
const FLOW_TTL_MS = 10 * 60_000;
/**
 * How long a provider's discovery document is reused. The public start route would otherwise
 * make the gateway fetch it for every request anyone sends, and a slow provider would slow every
 * sign-in. A changed client (issuer, id or secret) is a new entry; a removed one is refused before
 * the cache is asked (the key-service is asked for the client on every request).
 */
const DISCOVERY_TTL_MS = 10 * 60_000;
const DASHBOARD = '/dashboard/';

/** What the browser keeps between start and callback: signed, HttpOnly, for the callback path only. */
interface FlowState {
  org: string;
  state: string;
  nonce: string;
  verifier: string;
  expires: number;
}

interface OidcRoutesDeps extends SessionRoutesDeps {
  rpc: NatsRpcClient;
  secret: Buffer;
  /** MCP_UPSTREAM_ALLOWED_NETWORKS: the non-public networks the gateway may reach. */
  allowedNetworks: readonly string[];
}

const FAILED = (why: string) => new AppError(ErrorCode.Unauthorized, `Single sign-on failed: ${why}`);

/**
 * Single sign-on with an organization's OpenID Connect provider (authorization-code flow with
 * state, nonce and PKCE, by `openid-client`). `start` sends the browser to the provider and keeps
 * the flow's secrets in a short-lived signed cookie; `callback` checks them, exchanges the code,
 * takes the ID token's email only when the provider verified it, and has the key-service open a
 * session (making the member on first sign-in). Every refusal answers an error and never a
 * session. Calls to the provider go only where outbound connections may (same guard as MCP
 * upstreams).
 */
export function registerOidcRoutes(fastify: FastifyInstance, deps: OidcRoutesDeps): void {
  const { rpc, isHttps, logger } = deps;
  const key = createHmac('sha256', deps.secret).update('plexmcp oidc flow state').digest();
  const agent = new Agent({ connect: guardedConnector(new OutboundAddressPolicy(deps.allowedNetworks)) });
  const guardedFetch: oidc.CustomFetch = (url, options) =>
    undiciFetch(url, { ...options, dispatcher: agent });
  const config = { access: PUBLIC };

  const sign = (flow: FlowState): string => {
    const body = Buffer.from(JSON.stringify(flow)).toString('base64url');
    return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
  };
  const verify = (value: string | null, now: number): FlowState | null => {
    if (value === null) return null;
    const [body, mac] = value.split('.');
    if (body === undefined || mac === undefined) return null;
    const expected = createHmac('sha256', key).update(body).digest();
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const flow = JSON.parse(Buffer.from(body, 'base64url').toString()) as FlowState;
      return flow.expires > now ? flow : null;
    } catch {
      return null;
    }
  };
  const flowCookie = (request: FastifyRequest, value: string, maxAgeMs: number) =>
    [
      `${FLOW_COOKIE}=${value}`,
      `Path=${BASE}`,
      `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
      'HttpOnly',
      // The provider sends the browser back here: a cross-site navigation Lax lets through.
      'SameSite=Lax',
      ...(isHttps(request) ? ['Secure'] : []),
    ].join('; ');
  const flowCookieOf = (request: FastifyRequest): string | null => {
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === FLOW_COOKIE) return part.slice(eq + 1).trim();
    }
    return null;
  };
  const callbackUrl = (request: FastifyRequest) =>
    `${isHttps(request) ? 'https' : 'http'}://${request.headers.host}${BASE}/callback`;

  /** Discovered configurations (pending ones too, so concurrent sign-ins share one fetch). */
  const discovered = new LRUCache<string, Promise<oidc.Configuration>>({ max: 1_000, ttl: DISCOVERY_TTL_MS });
  const discover = (client: OidcClient): Promise<oidc.Configuration> => {
    // The secret is part of the configuration: a changed one must not reuse the old. Hashed, so
    // the cache's keys hold no secret.
    const id = createHash('sha256')
      .update(JSON.stringify([client.issuer, client.client_id, client.client_secret]))
      .digest('base64url');
    let pending = discovered.get(id);
    if (pending === undefined) {
      const issuer = new URL(client.issuer);
      pending = oidc.discovery(issuer, client.client_id, client.client_secret, undefined, {
        // The key-service accepts an http issuer only inside MCP_UPSTREAM_ALLOWED_NETWORKS.
        execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        [oidc.customFetch]: guardedFetch,
      });
      discovered.set(id, pending);
      // A failure is not remembered: the next sign-in tries again.
      pending.catch(() => {
        if (discovered.get(id) === pending) discovered.delete(id);
      });
    }
    return pending;
  };

  const provider = async (orgId: string): Promise<oidc.Configuration> => {
    const client: OidcClient = await rpc.call(OidcSubjects.client, { org_id: orgId }, oidcClientSchema, {
      idempotent: true,
    });
    try {
      return await discover(client);
    } catch {
      throw new AppError(ErrorCode.ServiceUnavailable, 'The identity provider cannot be reached');
    }
  };

  /**
   * The same per-IP budget as every other sign-in: a client IP over its failed-attempt budget
   * (AUTH_FAILURES_PER_MINUTE) is refused before anything is asked of the key-service or the
   * provider, and a failed sign-in here (401) counts against it.
   */
  const throttled = (request: FastifyRequest, reply: FastifyReply): FastifyReply | null => {
    const refusal = deps.authority.throttled(deps.ipResolver.of(request), Date.now());
    return refusal === null ? null : sendError(reply, refusal.error, request.requestId);
  };

  const fail = (request: FastifyRequest, reply: FastifyReply, err: unknown) => {
    let error: AppError;
    if (err instanceof AppError) error = err;
    else if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError)
      error = FAILED(`the provider answered ${err.error}`);
    else if (
      err instanceof Error &&
      'code' in err &&
      typeof err.code === 'string' &&
      err.code.startsWith('OAUTH_')
    )
      error = FAILED('the provider response did not check out');
    else {
      logger.error({ err, request_id: request.requestId }, 'single sign-on failed');
      error = new AppError(ErrorCode.InternalError);
    }
    deps.authority.failed(error, deps.ipResolver.of(request));
    reply.header('set-cookie', flowCookie(request, '', 0));
    return sendError(reply, error, request.requestId);
  };

  fastify.get(`${BASE}/start`, { config }, async (request, reply) => {
    reply.header('cache-control', NO_STORE);
    const refused = throttled(request, reply);
    if (refused !== null) return refused;
    const org = orgIdSchema.safeParse((request.query as { org?: unknown }).org);
    if (!org.success) {
      const error = new AppError(ErrorCode.ValidationError, 'Name the organization: ?org=org_…', {
        details: [{ field: 'org', message: 'must be an organization id (org_…)' }],
      });
      return sendError(reply, error, request.requestId);
    }
    try {
      const configuration = await provider(org.data);
      const flow: FlowState = {
        org: org.data,
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        expires: Date.now() + FLOW_TTL_MS,
      };
      const target = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: callbackUrl(request),
        scope: 'openid email',
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      });
      reply.header('set-cookie', flowCookie(request, sign(flow), FLOW_TTL_MS));
      return reply.redirect(target.href, 302);
    } catch (err) {
      return fail(request, reply, err);
    }
  });

  fastify.get(`${BASE}/callback`, { config }, async (request, reply) => {
    reply.header('cache-control', NO_STORE);
    const refused = throttled(request, reply);
    if (refused !== null) return refused;
    try {
      const flow = verify(flowCookieOf(request), Date.now());
      if (flow === null) throw FAILED('this sign-in was not started here or has expired; start again');
      const configuration = await provider(flow.org);
      const current = new URL(callbackUrl(request));
      current.search = new URL(request.url, 'http://x').search;
      const tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined || typeof claims.email !== 'string') {
        throw FAILED('the provider did not share an email address');
      }
      if (claims.email_verified !== true) {
        throw new AppError(
          ErrorCode.Forbidden,
          'Single sign-on refused: the provider has not verified this email address',
        );
      }
      const credential = newCredential();
      const agentHeader = request.headers['user-agent'];
      const opened = await rpc.call(
        OidcSubjects.signIn,
        {
          org_id: flow.org,
          email: claims.email,
          session_hash: hashCredential(credential),
          ip: deps.ipResolver.of(request),
          user_agent: agentHeader === undefined ? null : agentHeader.slice(0, 512),
        },
        openedSessionSchema,
      );
      const maxAge = (Date.parse(opened.expires_at) - Date.now()) / 1000;
      reply.header('set-cookie', [
        flowCookie(request, '', 0),
        sessionCookie(accountCookieValue(credential), maxAge, isHttps(request)),
      ]);
      return reply.redirect(DASHBOARD, 303);
    } catch (err) {
      return fail(request, reply, err);
    }
  });
}

/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALL_SCOPES, type CreatedKey, type McpView, Subjects, apiKeyViewSchema } from '@plexmcp/contracts';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, http, type HttpResult, startWorld, type World } from './support/world.js';

/**
 * The authorization matrix: every route the gateway serves × every kind of caller → the status
 * the caller gets. The rows are checked against the gateway's own route table, so a route added
 * without a row here fails this suite: no route ships without deciding who may call it.
 *
 * Callers: no key; a malformed key; a revoked key; another organization's admin key; a test key
 * of the organization (every scope, every MCP); a narrow live key (every scope but one MCP, 30
 * days, rate- and usage-limited); the organization's admin key. Targets are the organization's
 * strongest: the admin key, fresh all-powerful keys, MCPs the narrow key was not given, live
 * resources the test key may not touch.
 */
type Caller = 'anonymous' | 'malformed' | 'revoked' | 'other_org' | 'test_key' | 'narrow' | 'admin';
const CALLERS: readonly Caller[] = [
  'anonymous',
  'malformed',
  'revoked',
  'other_org',
  'test_key',
  'narrow',
  'admin',
];

/** What each authenticated kind of caller gets, in the order other_org, test_key, narrow, admin. */
type Outcome = number | 'upstream';
interface Row {
  /** The path to call (fresh targets are created per call for routes that change them). */
  path: () => Promise<string> | string;
  body?: () => unknown;
  /** A route that needs no credential: every caller gets this same status. */
  public?: number | number[];
  /** other_org, test_key, narrow, admin. Anonymous, malformed and revoked callers always get 401. */
  expect?: readonly [Outcome, Outcome, Outcome, Outcome];
}

describe('authorization matrix: every route × every caller', () => {
  let world: World;
  let gateway: GatewayHandle;
  let upstream: UpstreamMcp;
  let admin: CreatedKey;
  let keys: Record<Exclude<Caller, 'anonymous'>, string>;
  let mcpA: McpView;
  let mcpB: McpView;
  let webhookId: string;
  const ALERT = 'alert_0000000000000000000000';
  const USER = 'usr_0000000000000000000000';
  const INVITATION = 'ott_0000000000000000000000';

  beforeAll(async () => {
    world = await startWorld('matrix');
    await world.startUsageService();
    gateway = await world.startGateway({ AUTH_FAILURES_PER_MINUTE: '100000' });
    upstream = await startUpstreamMcp({ json: true });
    const org = await world.createOrg({ name: 'Matrix' });
    admin = org.admin_key;
    const actor = actorOf(admin);
    mcpA = await world.createMcp(actor, { name: 'A', upstream_url: upstream.url });
    mcpB = await world.createMcp(actor, { name: 'B', upstream_url: upstream.url });
    await world.createMcp(actor, { name: 'Sandbox', mode: 'test', upstream_url: upstream.url });
    const narrow = await world.createKey(actor, {
      name: 'narrow',
      permissions: { mcps: [mcpA.id] },
      scopes: [...ALL_SCOPES],
      expires_in: '30d',
      rate_limit: { requests_per_second: 10_000, burst: 10_000 },
      usage_limit: { requests: 1_000_000, period: 'day' },
    });
    const testKey = await world.createKey(actor, { name: 'test', mode: 'test', scopes: [...ALL_SCOPES] });
    const revoked = await world.createKey(actor, { name: 'revoked', scopes: [...ALL_SCOPES] });
    await world.rpc.call(Subjects.keys.revoke, { actor, id: revoked.key.id }, apiKeyViewSchema);
    const other = (await world.createOrg({ name: 'Other' })).admin_key;
    keys = {
      malformed: `pk_live_${'A'.repeat(38)}`,
      revoked: revoked.secret,
      other_org: other.secret,
      test_key: testKey.secret,
      narrow: narrow.secret,
      admin: admin.secret,
    };
    const hook = await http(gateway.url, '/v1/webhooks', {
      method: 'POST',
      key: admin.secret,
      body: { url: 'https://93.184.215.14/hook' },
    });
    expect(hook.status).toBe(201);
    webhookId = hook.body.data.id as string;
  });
  afterAll(async () => {
    await world.close();
    await upstream.close();
  });

  /** An all-powerful key of the organization, new for each call that changes or removes it. */
  const strongKey = async () =>
    (await world.createKey(actorOf(admin), { scopes: [...ALL_SCOPES], expires_in: '365d' })).key.id;
  const freshMcp = async () => (await world.createMcp(actorOf(admin), { upstream_url: upstream.url })).id;
  const freshWebhook = async () =>
    (
      await http(gateway.url, '/v1/webhooks', {
        method: 'POST',
        key: admin.secret,
        body: { url: 'https://93.184.215.14/hook' },
      })
    ).body.data.id as string;
  const initialize = () => ({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'matrix', version: '1' } },
  });

  const ROWS: Record<string, Row> = {
    'GET /healthz': { path: () => '/healthz', public: 200 },
    'HEAD /healthz': { path: () => '/healthz', public: 200 },
    'GET /readyz': { path: () => '/readyz', public: 200 },
    'HEAD /readyz': { path: () => '/readyz', public: 200 },
    'GET /metrics': { path: () => '/metrics', public: 200 },
    'HEAD /metrics': { path: () => '/metrics', public: 200 },
    'GET /docs': { path: () => '/docs', public: 200 },
    'HEAD /docs': { path: () => '/docs', public: 200 },
    'GET /docs/openapi.json': { path: () => '/docs/openapi.json', public: 200 },
    'HEAD /docs/openapi.json': { path: () => '/docs/openapi.json', public: 200 },
    'GET /docs/assets/:file': { path: () => '/docs/assets/init.js', public: 200 },
    'HEAD /docs/assets/:file': { path: () => '/docs/assets/init.js', public: 200 },
    'GET /dashboard': { path: () => '/dashboard', public: 301 },
    'HEAD /dashboard': { path: () => '/dashboard', public: 301 },
    // 503 where the dashboard has not been built on this machine.
    'GET /dashboard/*': { path: () => '/dashboard/keys', public: [200, 503] },
    'HEAD /dashboard/*': { path: () => '/dashboard/keys', public: [200, 503] },
    // Sign-in checks the key in its body, never the Authorization header, and only from the
    // dashboard's own origin (no Origin or Sec-Fetch-Site here: refused whoever the caller is).
    'POST /dashboard/api/session': { path: () => '/dashboard/api/session', body: () => ({}), public: 403 },
    'GET /dashboard/api/session': { path: () => '/dashboard/api/session', public: 401 },
    'HEAD /dashboard/api/session': { path: () => '/dashboard/api/session', public: 401 },
    'DELETE /dashboard/api/session': { path: () => '/dashboard/api/session', public: 200 },
    // Public, but only a report signed by a configured scanner key is read (none here): 401 to all.
    'POST /v1/secret-scanning/verify': {
      path: () => '/v1/secret-scanning/verify',
      body: () => [],
      public: 401,
    },
    'POST /v1/secret-scanning/revoke': {
      path: () => '/v1/secret-scanning/revoke',
      body: () => [],
      public: 401,
    },
    // A person's sign-in steps take JSON from the dashboard's own origin only (403 here); the
    // rest act inside a person's session cookie, which no key is (401).
    'POST /dashboard/api/account/sign-in': {
      path: () => '/dashboard/api/account/sign-in',
      body: () => ({}),
      public: 403,
    },
    'POST /dashboard/api/account/sign-in/totp': {
      path: () => '/dashboard/api/account/sign-in/totp',
      body: () => ({}),
      public: 403,
    },
    'POST /dashboard/api/account/password': {
      path: () => '/dashboard/api/account/password',
      body: () => ({}),
      public: 403,
    },
    'POST /dashboard/api/account/password-reset': {
      path: () => '/dashboard/api/account/password-reset',
      body: () => ({}),
      public: 403,
    },
    'POST /dashboard/api/account/sign-out-everywhere': {
      path: () => '/dashboard/api/account/sign-out-everywhere',
      body: () => ({}),
      public: 401,
    },
    'POST /dashboard/api/account/organization': {
      path: () => '/dashboard/api/account/organization',
      body: () => ({}),
      public: 401,
    },
    'POST /dashboard/api/account/totp': {
      path: () => '/dashboard/api/account/totp',
      body: () => ({}),
      public: 401,
    },
    'POST /dashboard/api/account/totp/confirm': {
      path: () => '/dashboard/api/account/totp/confirm',
      body: () => ({}),
      public: 401,
    },

    'GET /v1/me': { path: () => '/v1/me', expect: [200, 200, 200, 200] },
    'HEAD /v1/me': { path: () => '/v1/me', expect: [200, 200, 200, 200] },
    'GET /v1/keys': { path: () => '/v1/keys', expect: [200, 200, 200, 200] },
    'HEAD /v1/keys': { path: () => '/v1/keys', expect: [200, 200, 200, 200] },
    // An all-powerful, one-year key with the organization's MCP: only the admin may mint it.
    'POST /v1/keys': {
      path: () => '/v1/keys',
      body: () => ({
        name: 'minted',
        permissions: { mcps: [mcpA.id] },
        scopes: [...ALL_SCOPES],
        expires_in: '365d',
      }),
      expect: [400, 403, 403, 201],
    },
    'GET /v1/keys/:id': { path: () => `/v1/keys/${admin.key.id}`, expect: [404, 403, 200, 200] },
    'HEAD /v1/keys/:id': { path: () => `/v1/keys/${admin.key.id}`, expect: [404, 403, 200, 200] },
    'PATCH /v1/keys/:id': {
      path: async () => `/v1/keys/${await strongKey()}`,
      body: () => ({ name: 'renamed' }),
      expect: [404, 403, 403, 200],
    },
    'DELETE /v1/keys/:id': {
      path: async () => `/v1/keys/${await strongKey()}`,
      expect: [404, 403, 403, 200],
    },
    'POST /v1/keys/:id/rotate': {
      path: async () => `/v1/keys/${await strongKey()}/rotate`,
      body: () => ({}),
      expect: [404, 403, 403, 201],
    },
    'GET /v1/keys/:id/usage': { path: () => `/v1/keys/${admin.key.id}/usage`, expect: [404, 403, 200, 200] },
    'HEAD /v1/keys/:id/usage': { path: () => `/v1/keys/${admin.key.id}/usage`, expect: [404, 403, 200, 200] },

    'GET /v1/mcps': { path: () => '/v1/mcps', expect: [200, 200, 200, 200] },
    'HEAD /v1/mcps': { path: () => '/v1/mcps', expect: [200, 200, 200, 200] },
    'GET /v1/mcps/:id': { path: () => `/v1/mcps/${mcpB.id}`, expect: [404, 403, 403, 200] },
    'HEAD /v1/mcps/:id': { path: () => `/v1/mcps/${mcpB.id}`, expect: [404, 403, 403, 200] },
    // Another organization registers in its own organization; a test key may not register a live
    // MCP; a key limited to some MCPs may not register new ones.
    'POST /v1/mcps': {
      path: () => '/v1/mcps',
      body: () => ({ name: 'New', upstream_url: upstream.url }),
      expect: [201, 403, 403, 201],
    },
    'PATCH /v1/mcps/:id': {
      path: async () => `/v1/mcps/${await freshMcp()}`,
      body: () => ({ upstream_url: `${upstream.url}?moved=1` }),
      expect: [404, 403, 403, 200],
    },
    'DELETE /v1/mcps/:id': { path: async () => `/v1/mcps/${await freshMcp()}`, expect: [404, 403, 403, 200] },
    'POST /v1/mcps/:id/mcp': {
      path: () => `/v1/mcps/${mcpA.id}/mcp`,
      body: initialize,
      expect: [404, 403, 200, 200],
    },
    'GET /v1/mcps/:id/mcp': {
      path: () => `/v1/mcps/${mcpA.id}/mcp`,
      expect: [404, 403, 'upstream', 'upstream'],
    },
    'HEAD /v1/mcps/:id/mcp': {
      path: () => `/v1/mcps/${mcpA.id}/mcp`,
      expect: [404, 403, 'upstream', 'upstream'],
    },
    'DELETE /v1/mcps/:id/mcp': {
      path: () => `/v1/mcps/${mcpA.id}/mcp`,
      expect: [404, 403, 'upstream', 'upstream'],
    },

    // The caller's own organization: every caller reads its own; only an owner, signed in, changes it.
    'GET /v1/organization': { path: () => '/v1/organization', expect: [200, 200, 200, 200] },
    'HEAD /v1/organization': { path: () => '/v1/organization', expect: [200, 200, 200, 200] },
    'PATCH /v1/organization': {
      path: () => '/v1/organization',
      body: () => ({ name: 'Matrix' }),
      expect: [403, 403, 403, 403],
    },
    // Single sign-on settings: an owner's alone, never a key's.
    'GET /v1/organization/oidc': { path: () => '/v1/organization/oidc', expect: [403, 403, 403, 403] },
    'HEAD /v1/organization/oidc': { path: () => '/v1/organization/oidc', expect: [403, 403, 403, 403] },
    'PUT /v1/organization/oidc': {
      path: () => '/v1/organization/oidc',
      body: () => ({ issuer: 'https://idp.example.com', client_id: 'c', client_secret: 's' }),
      expect: [403, 403, 403, 403],
    },
    'DELETE /v1/organization/oidc': { path: () => '/v1/organization/oidc', expect: [403, 403, 403, 403] },
    // Single sign-on itself is public: no organization named (400), no flow cookie (401).
    'GET /v1/session/oidc/start': { path: () => '/v1/session/oidc/start', public: 400 },
    'HEAD /v1/session/oidc/start': { path: () => '/v1/session/oidc/start', public: 400 },
    'GET /v1/session/oidc/callback': { path: () => '/v1/session/oidc/callback', public: 401 },
    'HEAD /v1/session/oidc/callback': { path: () => '/v1/session/oidc/callback', public: 401 },
    // People manage people: no API key, whatever its scopes. Preview and accept take the link's
    // token in the body (none here: refused as malformed, whoever calls).
    'GET /v1/members': { path: () => '/v1/members', expect: [403, 403, 403, 403] },
    'HEAD /v1/members': { path: () => '/v1/members', expect: [403, 403, 403, 403] },
    'PATCH /v1/members/:userId': {
      path: () => `/v1/members/${USER}`,
      body: () => ({ role: 'viewer' }),
      expect: [403, 403, 403, 403],
    },
    'DELETE /v1/members/:userId': { path: () => `/v1/members/${USER}`, expect: [403, 403, 403, 403] },
    'POST /v1/invitations': {
      path: () => '/v1/invitations',
      body: () => ({ email: 'someone@example.com', role: 'viewer' }),
      expect: [403, 403, 403, 403],
    },
    'GET /v1/invitations': { path: () => '/v1/invitations', expect: [403, 403, 403, 403] },
    'HEAD /v1/invitations': { path: () => '/v1/invitations', expect: [403, 403, 403, 403] },
    'DELETE /v1/invitations/:id': {
      path: () => `/v1/invitations/${INVITATION}`,
      expect: [403, 403, 403, 403],
    },
    'POST /v1/invitations/preview': { path: () => '/v1/invitations/preview', body: () => ({}), public: 400 },
    'POST /v1/invitations/accept': { path: () => '/v1/invitations/accept', body: () => ({}), public: 400 },

    // Organization-wide live data: other organizations read their own, test keys never.
    'GET /v1/audit': { path: () => '/v1/audit', expect: [200, 403, 200, 200] },
    'HEAD /v1/audit': { path: () => '/v1/audit', expect: [200, 403, 200, 200] },
    'GET /v1/usage': { path: () => '/v1/usage', expect: [200, 403, 200, 200] },
    'HEAD /v1/usage': { path: () => '/v1/usage', expect: [200, 403, 200, 200] },
    'GET /v1/alerts': { path: () => '/v1/alerts', expect: [200, 403, 200, 200] },
    'HEAD /v1/alerts': { path: () => '/v1/alerts', expect: [200, 403, 200, 200] },
    'POST /v1/alerts/:id/ack': { path: () => `/v1/alerts/${ALERT}/ack`, expect: [404, 403, 404, 404] },
    'GET /v1/alerts/thresholds': { path: () => '/v1/alerts/thresholds', expect: [200, 403, 200, 200] },
    'HEAD /v1/alerts/thresholds': { path: () => '/v1/alerts/thresholds', expect: [200, 403, 200, 200] },
    'PUT /v1/alerts/thresholds': {
      path: () => '/v1/alerts/thresholds',
      body: () => ({ error_min_requests: 50 }),
      expect: [200, 403, 200, 200],
    },
    'POST /v1/webhooks': {
      path: () => '/v1/webhooks',
      body: () => ({ url: 'https://93.184.215.14/hook' }),
      expect: [201, 403, 201, 201],
    },
    'GET /v1/webhooks': { path: () => '/v1/webhooks', expect: [200, 403, 200, 200] },
    'HEAD /v1/webhooks': { path: () => '/v1/webhooks', expect: [200, 403, 200, 200] },
    'DELETE /v1/webhooks/:id': {
      path: async () => `/v1/webhooks/${await freshWebhook()}`,
      expect: [404, 403, 200, 200],
    },
    'GET /v1/webhooks/:id/deliveries': {
      path: () => `/v1/webhooks/${webhookId}/deliveries`,
      expect: [404, 403, 200, 200],
    },
    'HEAD /v1/webhooks/:id/deliveries': {
      path: () => `/v1/webhooks/${webhookId}/deliveries`,
      expect: [404, 403, 200, 200],
    },
    'POST /v1/webhooks/:id/test': {
      path: () => `/v1/webhooks/${webhookId}/test`,
      expect: [404, 403, 202, 202],
    },
  };

  it('has a row for every route the gateway serves, and no row for a route it does not', () => {
    const served = [...new Set(gateway.routes.map((r) => `${r.method} ${r.url}`))].sort();
    expect(served).toEqual(Object.keys(ROWS).sort());
    // Public routes are exactly the ones the table says are public.
    const publicRoutes = gateway.routes
      .filter((r) => r.access.public === true)
      .map((r) => `${r.method} ${r.url}`);
    expect([...new Set(publicRoutes)].sort()).toEqual(
      Object.entries(ROWS)
        .filter(([, row]) => row.public !== undefined)
        .map(([route]) => route)
        .sort(),
    );
  });

  const callAs = async (caller: Caller, method: string, path: string, body: unknown): Promise<HttpResult> =>
    http(gateway.url, path, {
      method,
      ...(caller === 'anonymous' ? {} : { key: keys[caller] }),
      ...(body !== undefined ? { body } : {}),
      headers: { accept: 'application/json, text/event-stream' },
    });

  const directUpstream = async (method: string): Promise<number> =>
    (await fetch(upstream.url, { method, headers: { accept: 'application/json, text/event-stream' } }))
      .status;

  it.each(Object.keys(ROWS))('%s', async (route) => {
    const row = ROWS[route]!;
    const method = route.slice(0, route.indexOf(' '));
    const got: Record<string, number> = {};
    const want: Record<string, number | number[]> = {};
    for (const caller of CALLERS) {
      const res = await callAs(caller, method, await row.path(), row.body?.());
      got[caller] = res.status;
      if (row.public !== undefined) {
        want[caller] = row.public;
      } else {
        const index = ['other_org', 'test_key', 'narrow', 'admin'].indexOf(caller);
        const outcome = index < 0 ? 401 : row.expect![index]!;
        want[caller] = outcome === 'upstream' ? await directUpstream(method) : outcome;
      }
    }
    // Where a row allows several statuses, the one received stands for the set.
    const normalize = (statuses: Record<string, number | number[]>) =>
      Object.fromEntries(
        Object.entries(statuses).map(([caller, status]) => [
          caller,
          Array.isArray(status) ? (status.includes(got[caller]!) ? got[caller] : status) : status,
        ]),
      );
    expect(got).toEqual(normalize(want));
  });
});

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- HTTP bodies are JSON inspected field by field */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { type McpView, apiKeyViewSchema, auditEntrySchema, mcpViewSchema } from '@plexmcp/contracts';
import { actorOf, http, gatewaySuite } from './support/world.js';

describe('REST v1', () => {
  const s = gatewaySuite('rest', { gatewayEnv: { BODY_LIMIT_BYTES: '2048' } });
  let liveMcp: McpView;
  let testMcp: McpView;

  beforeAll(async () => {
    liveMcp = await s.world.createMcp(actorOf(s.admin), { name: 'Live', mode: 'live' });
    testMcp = await s.world.createMcp(actorOf(s.admin), { name: 'Test', mode: 'test' });
  });

  describe('GET /v1/mcps', () => {
    it('lists only the MCPs the key is permitted, with cursor pagination', async () => {
      const scoped = await s.world.createKey(actorOf(s.admin), { permissions: { mcps: [liveMcp.id] } });
      const res = await http(s.gateway.url, '/v1/mcps', { key: scoped.secret });
      expect(res.status).toBe(200);
      expect(res.body.data.map((m: McpView) => m.id)).toEqual([liveMcp.id]);
      expect(res.body.pagination).toEqual({ next_cursor: null });

      const all = await http(s.gateway.url, '/v1/mcps?limit=1', { key: s.admin.secret });
      expect(all.body.data).toHaveLength(1);
      expect(all.body.pagination.next_cursor).toEqual(expect.any(String));
      const next = await http(
        s.gateway.url,
        `/v1/mcps?limit=1&cursor=${encodeURIComponent(all.body.pagination.next_cursor)}`,
        {
          key: s.admin.secret,
        },
      );
      expect(next.body.data).toHaveLength(1);
      expect(next.body.data[0].id).not.toBe(all.body.data[0].id);
    });

    it('a test key sees only test MCPs', async () => {
      const testKey = await s.world.createKey(actorOf(s.admin), { mode: 'test' });
      const res = await http(s.gateway.url, '/v1/mcps', { key: testKey.secret });
      expect(res.body.data.map((m: McpView) => m.id)).toEqual([testMcp.id]);
    });

    it('GET /v1/mcps/{id} never shows upstream header values', async () => {
      const withSecret = await s.world.createMcp(actorOf(s.admin), {
        name: 'S',
        upstream_headers: { 'X-Api-Key': 'hidden-value' },
      });
      const res = await http(s.gateway.url, `/v1/mcps/${withSecret.id}`, { key: s.admin.secret });
      expect(res.status).toBe(200);
      expect(mcpViewSchema.parse(res.body.data).upstream_header_names).toEqual(['X-Api-Key']);
      expect(JSON.stringify(res.body)).not.toContain('hidden-value');
    });

    it('another organization\u2019s MCP is not found', async () => {
      const stranger = (await s.world.createOrg({ name: 'Stranger' })).admin_key;
      const res = await http(s.gateway.url, `/v1/mcps/${liveMcp.id}`, { key: stranger.secret });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });
  });

  describe('MCP registration (mcps:write)', () => {
    it('creates, updates and deletes an MCP', async () => {
      const created = await http(s.gateway.url, '/v1/mcps', {
        method: 'POST',
        key: s.admin.secret,
        body: { name: 'Calendar', upstream_url: 'https://calendar.example.com/mcp' },
      });
      expect(created.status).toBe(201);
      const id = mcpViewSchema.parse(created.body.data).id;
      const updated = await http(s.gateway.url, `/v1/mcps/${id}`, {
        method: 'PATCH',
        key: s.admin.secret,
        body: { name: 'Cal' },
      });
      expect(updated.status).toBe(200);
      expect(updated.body.data.name).toBe('Cal');
      const removed = await http(s.gateway.url, `/v1/mcps/${id}`, { method: 'DELETE', key: s.admin.secret });
      expect(removed.status).toBe(200);
      expect((await http(s.gateway.url, `/v1/mcps/${id}`, { key: s.admin.secret })).status).toBe(404);
    });

    it('refuses without mcps:write, and validates the body with field details', async () => {
      const reader = await s.world.createKey(actorOf(s.admin), { scopes: ['mcps:read'] });
      const denied = await http(s.gateway.url, '/v1/mcps', {
        method: 'POST',
        key: reader.secret,
        body: { name: 'X', upstream_url: 'https://x.example.com' },
      });
      expect(denied.status).toBe(403);
      const invalid = await http(s.gateway.url, '/v1/mcps', {
        method: 'POST',
        key: s.admin.secret,
        body: { name: '', upstream_url: 'ftp://nope', extra: 1 },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('validation_error');
      const fields = invalid.body.error.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'upstream_url', 'extra']));
    });
  });

  describe('key lifecycle', () => {
    it('create returns the secret once; get/list never do', async () => {
      const created = await http(s.gateway.url, '/v1/keys', {
        method: 'POST',
        key: s.admin.secret,
        body: { name: 'ci', permissions: { mcps: [liveMcp.id] }, expires_in: '30d' },
      });
      expect(created.status).toBe(201);
      expect(created.body.data.secret).toMatch(/^pk_live_/);
      // The secret is shown once: no browser, proxy or CDN cache may keep the answer.
      expect(created.headers.get('cache-control')).toBe('no-store');
      const id = created.body.data.id as string;
      const secret = created.body.data.secret as string;
      expect((await http(s.gateway.url, '/v1/me', { key: secret })).body.data.id).toBe(id);

      const got = await http(s.gateway.url, `/v1/keys/${id}`, { key: s.admin.secret });
      expect(apiKeyViewSchema.parse(got.body.data).name).toBe('ci');
      expect(JSON.stringify(got.body)).not.toContain(secret);
      const listed = await http(s.gateway.url, '/v1/keys?limit=100', { key: s.admin.secret });
      expect(listed.body.data.some((k: { id: string }) => k.id === id)).toBe(true);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
    });

    it('patch changes permissions and the s.gateway applies them at once', async () => {
      const key = await s.world.createKey(actorOf(s.admin), { permissions: { mcps: [liveMcp.id] } });
      expect((await http(s.gateway.url, `/v1/mcps/${liveMcp.id}`, { key: key.secret })).status).toBe(200);
      const patched = await http(s.gateway.url, `/v1/keys/${key.key.id}`, {
        method: 'PATCH',
        key: s.admin.secret,
        body: { permissions: { mcps: [testMcp.id] } },
      });
      expect(patched.status).toBe(200);
      expect((await http(s.gateway.url, `/v1/mcps/${liveMcp.id}`, { key: key.secret })).status).toBe(403);
    });

    it('rotate returns a new secret; the old key stops working without a grace period', async () => {
      const key = await s.world.createKey(actorOf(s.admin));
      const rotated = await http(s.gateway.url, `/v1/keys/${key.key.id}/rotate`, {
        method: 'POST',
        key: s.admin.secret,
        body: {},
      });
      expect(rotated.status).toBe(201);
      expect(rotated.body.data.secret).toMatch(/^pk_live_/);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      expect(rotated.body.data.id).not.toBe(key.key.id);
      expect((await http(s.gateway.url, '/v1/me', { key: rotated.body.data.secret })).status).toBe(200);
      expect((await http(s.gateway.url, '/v1/me', { key: key.secret })).status).toBe(401);
    });

    it('keys:read cannot write; a key cannot grant scopes it lacks', async () => {
      const reader = await s.world.createKey(actorOf(s.admin), { scopes: ['keys:read'] });
      expect((await http(s.gateway.url, '/v1/keys', { key: reader.secret })).status).toBe(200);
      const write = await http(s.gateway.url, '/v1/keys', {
        method: 'POST',
        key: reader.secret,
        body: { name: 'x' },
      });
      expect(write.status).toBe(403);
      const writer = await s.world.createKey(actorOf(s.admin), { scopes: ['keys:write'] });
      const escalate = await http(s.gateway.url, '/v1/keys', {
        method: 'POST',
        key: writer.secret,
        body: { name: 'x', scopes: ['keys:write', 'mcps:write'] },
      });
      expect(escalate.status).toBe(403);
      expect(escalate.body.error.code).toBe('forbidden');
    });

    it('an unknown or malformed key id is 404', async () => {
      expect(
        (await http(s.gateway.url, '/v1/keys/key_unknown00000000000000', { key: s.admin.secret })).status,
      ).toBe(404);
      expect((await http(s.gateway.url, '/v1/keys/not-an-id', { key: s.admin.secret })).status).toBe(404);
    });
  });

  it('GET /v1/audit lists management actions (keys:read)', async () => {
    const res = await http(s.gateway.url, '/v1/audit?limit=5', { key: s.admin.secret });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const entry of res.body.data) auditEntrySchema.parse(entry);
    expect(res.body.pagination).toHaveProperty('next_cursor');
  });

  it('GET /v1/audit narrows by actor, action, target and time; a malformed filter is a 400', async () => {
    const since = new Date().toISOString();
    const key = await s.world.createKey(actorOf(s.admin));
    const later = new Date(Date.parse(key.key.created_at) + 100 * 86_400_000).toISOString();
    const patched = await http(s.gateway.url, `/v1/keys/${key.key.id}`, {
      method: 'PATCH',
      key: s.admin.secret,
      body: { name: 'Moved', expires_at: later },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: 'Moved', expires_at: later, grace_ends_at: null });

    const query = new URLSearchParams({
      actor: s.admin.key.id,
      action: 'key.updated',
      target: key.key.id,
      from: since,
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    const res = await http(s.gateway.url, `/v1/audit?${query.toString()}`, { key: s.admin.secret });
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { action: string; target_id: string }) => [e.action, e.target_id])).toEqual([
      ['key.updated', key.key.id],
    ]);
    const none = await http(s.gateway.url, `/v1/audit?target=${key.key.id}&action=key.revoked`, {
      key: s.admin.secret,
    });
    expect(none.body.data).toEqual([]);

    for (const bad of ['action=DROP%20TABLE', 'from=yesterday', 'actor=org_x', 'target=a%27b', 'sort=asc']) {
      const refused = await http(s.gateway.url, `/v1/audit?${bad}`, { key: s.admin.secret });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_error');
    }
  });

  describe('envelopes and protocol details', () => {
    it('413 payload_too_large and 400 for a malformed JSON body', async () => {
      const big = await http(s.gateway.url, '/v1/keys', {
        method: 'POST',
        key: s.admin.secret,
        body: { name: 'x'.repeat(5000) },
      });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
      const bad = await http(s.gateway.url, '/v1/keys', {
        method: 'POST',
        key: s.admin.secret,
        body: '{"name":',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_error');
    });

    it('unknown routes are 404 with the envelope; every response has X-Request-Id and security headers', async () => {
      const res = await http(s.gateway.url, '/v1/nothing-here', { key: s.admin.secret });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const health = await http(s.gateway.url, '/healthz');
      expect(health.status).toBe(200);
      expect(health.headers.get('x-request-id')).toMatch(/^req_/);
    });

    it('/metrics exposes request, auth and cache counters; /docs/openapi.json is an OpenAPI document of these routes', async () => {
      const metrics = await http(s.gateway.url, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('plexmcp_gateway_http_requests_total{route="/v1/me"');
      expect(metrics.body).toContain('plexmcp_gateway_auth_decisions_total');
      expect(metrics.body).toContain('plexmcp_gateway_key_cache_lookups_total{result="hit"}');
      expect(metrics.body).toContain('plexmcp_gateway_event_buffer_depth');
      expect(metrics.body).toContain('plexmcp_gateway_events_dropped_total');
      expect(metrics.body).toMatch(
        /^http_server_request_duration_seconds_count\{route="\/v1\/me",method="GET",status_class="2xx"\} [1-9]/m,
      );
      expect(metrics.body).toMatch(/^process_cpu_seconds_total\{service="api-gateway"\} /m);
      expect(metrics.body).not.toContain('plexmcp_gateway_process_');
      expect(metrics.body).not.toMatch(/pk_(live|test)_/);
      const docs = await http(s.gateway.url, '/docs/openapi.json');
      expect(docs.status).toBe(200);
      expect(docs.body.openapi).toBe('3.1.0');
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining(['/v1/me', '/v1/keys', '/v1/mcps/{id}/mcp']),
      );
      expect(
        docs.body.paths['/v1/keys'].post.requestBody.content['application/json'].schema.properties,
      ).toHaveProperty('expires_in');
      // The rate-limit header fields are declared on successes and on 429.
      const me = docs.body.paths['/v1/me'].get.responses;
      expect(Object.keys(me['200'].headers)).toEqual(
        expect.arrayContaining(['RateLimit', 'RateLimit-Policy']),
      );
      expect(me['429'].$ref).toBe('#/components/responses/RateLimited');
      expect(Object.keys(docs.body.components.responses.RateLimited.headers)).toEqual(
        expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']),
      );
    });

    it('/docs is an interactive reference served from our own files (no CDN, no inline script)', async () => {
      const page = await http(s.gateway.url, '/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      const sources = [...(page.body as string).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(sources.length).toBeGreaterThanOrEqual(3);
      expect(page.body).not.toMatch(/<script>[^<]/);
      for (const source of sources) {
        expect(source.startsWith('/docs/')).toBe(true);
        const asset = await http(s.gateway.url, source);
        expect({ source, status: asset.status }).toEqual({ source, status: 200 });
      }
      expect((await http(s.gateway.url, '/docs/assets/init.js')).body).toContain("url: '/docs/openapi.json'");
      expect((await http(s.gateway.url, '/docs/assets/package.json')).status).toBe(404);
      expect((await http(s.gateway.url, '/docs/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    });
  });
});

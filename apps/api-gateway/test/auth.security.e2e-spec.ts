/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any -- HTTP bodies are JSON inspected field by field */
import { describe, expect, it } from '@jest/globals';
import { Subjects, apiKeyViewSchema } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, http, gatewaySuite } from './support/world.js';

const UNAUTHORIZED = { code: 'unauthorized', message: 'Invalid or missing API key' };
const FORBIDDEN = { code: 'forbidden', message: 'API key does not have permission for this resource' };

function changeLastCharacter(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

describe('authentication', () => {
  const s = gatewaySuite('auth', { gatewayEnv: { AUTH_FAILURES_PER_MINUTE: '1000' } });

  const expectEnvelope = (
    res: { status: number; body: any; headers: Headers },
    status: number,
    error: object,
  ) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ success: false, error: { ...error, request_id: expect.any(String) } });
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  };

  it('accepts a valid key and answers /v1/me with the key id', async () => {
    const res = await http(s.gateway.url, '/v1/me', { key: s.admin.secret });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.data.id).toBe(s.admin.key.id);
    expect(JSON.stringify(res.body)).not.toContain(s.admin.secret);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('401: no Authorization header', async () => {
    expectEnvelope(await http(s.gateway.url, '/v1/me'), 401, UNAUTHORIZED);
  });

  it('401: Basic credentials', async () => {
    const basic = `Basic ${Buffer.from(`user:${s.admin.secret}`).toString('base64')}`;
    expectEnvelope(await http(s.gateway.url, '/v1/me', { authorization: basic }), 401, UNAUTHORIZED);
  });

  it('401: Bearer with no key', async () => {
    expectEnvelope(await http(s.gateway.url, '/v1/me', { authorization: 'Bearer' }), 401, UNAUTHORIZED);
    expectEnvelope(await http(s.gateway.url, '/v1/me', { authorization: 'Bearer ' }), 401, UNAUTHORIZED);
  });

  it('401: a key with its trailing character changed (checksum), without asking the key-service', async () => {
    const before = await cacheMisses(s.gateway);
    expectEnvelope(
      await http(s.gateway.url, '/v1/me', { key: changeLastCharacter(s.admin.secret) }),
      401,
      UNAUTHORIZED,
    );
    expect(await cacheMisses(s.gateway)).toBe(before);
  });

  it('401: a key with an extra trailing character', async () => {
    expectEnvelope(await http(s.gateway.url, '/v1/me', { key: `${s.admin.secret}x` }), 401, UNAUTHORIZED);
  });

  it('401: a well-formed key that does not exist', async () => {
    const other = await s.world.createKey(actorOf(s.admin));
    // Same format, unknown to this deployment: replace the random part but keep a valid checksum.
    const { generateApiKey } = await import('@plexmcp/contracts');
    expectEnvelope(await http(s.gateway.url, '/v1/me', { key: generateApiKey('live') }), 401, UNAUTHORIZED);
    expect(other.secret).toMatch(/^pk_live_/);
  });

  it('401: a revoked key', async () => {
    const victim = await s.world.createKey(actorOf(s.admin));
    expect((await http(s.gateway.url, '/v1/me', { key: victim.secret })).status).toBe(200);
    const revoked = await http(s.gateway.url, `/v1/keys/${victim.key.id}`, {
      method: 'DELETE',
      key: s.admin.secret,
    });
    expect(revoked.status).toBe(200);
    expect(apiKeyViewSchema.parse(revoked.body.data).status).toBe('revoked');
    const res = await http(s.gateway.url, '/v1/me', { key: victim.secret });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('401: an expired key', async () => {
    const soon = await s.world.createKey(actorOf(s.admin), {
      expires_at: new Date(Date.now() + 1_500).toISOString(),
    });
    expect((await http(s.gateway.url, '/v1/me', { key: soon.secret })).status).toBe(200);
    // The cached decision ends with the key's own expiry: no event is needed to refuse it.
    const res = await waitFor(
      async () => {
        const r = await http(s.gateway.url, '/v1/me', { key: soon.secret });
        return r.status === 401 ? r : null;
      },
      { timeoutMs: 5_000, message: 'expired key refused' },
    );
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('403: a key without the MCP', async () => {
    const mcpA = await s.world.createMcp(actorOf(s.admin), { name: 'A' });
    const mcpB = await s.world.createMcp(actorOf(s.admin), { name: 'B' });
    const scoped = await s.world.createKey(actorOf(s.admin), { permissions: { mcps: [mcpA.id] } });
    expect((await http(s.gateway.url, `/v1/mcps/${mcpA.id}`, { key: scoped.secret })).status).toBe(200);
    expectEnvelope(await http(s.gateway.url, `/v1/mcps/${mcpB.id}`, { key: scoped.secret }), 403, FORBIDDEN);
    const proxied = await http(s.gateway.url, `/v1/mcps/${mcpB.id}/mcp`, {
      method: 'POST',
      key: scoped.secret,
      body: {},
    });
    expectEnvelope(proxied, 403, FORBIDDEN);
    expect(proxied.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
  });

  it('403: a test key on a live MCP', async () => {
    const live = await s.world.createMcp(actorOf(s.admin), { name: 'Live', mode: 'live' });
    const testKey = await s.world.createKey(actorOf(s.admin), { mode: 'test' });
    expect(testKey.secret).toMatch(/^pk_test_/);
    const res = await http(s.gateway.url, `/v1/mcps/${live.id}/mcp`, {
      method: 'POST',
      key: testKey.secret,
      body: {},
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('403: a key of a suspended organization', async () => {
    const other = await s.world.createOrg({ name: 'Suspended Inc' });
    expect((await http(s.gateway.url, '/v1/me', { key: other.admin_key.secret })).status).toBe(200);
    await s.world.suspendOrg(other.organization.id);
    expectEnvelope(await http(s.gateway.url, '/v1/me', { key: other.admin_key.secret }), 403, FORBIDDEN);
  });

  it('401 on the MCP route carries WWW-Authenticate: Bearer', async () => {
    const res = await http(s.gateway.url, '/v1/mcps/mcp_0000000000000000000000/mcp', {
      method: 'POST',
      body: {},
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('a key missing a management scope is 403 on that route', async () => {
    const plain = await s.world.createKey(actorOf(s.admin), { scopes: [] });
    expectEnvelope(await http(s.gateway.url, '/v1/keys', { key: plain.secret }), 403, FORBIDDEN);
  });
});

async function cacheMisses(gateway: GatewayHandle): Promise<number> {
  const metric = await gateway.runtime.metrics.cacheLookups.get();
  return metric.values.find((v) => v.labels.result === 'miss')?.value ?? 0;
}

void Subjects;

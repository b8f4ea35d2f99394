/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALL_SCOPES, type CreatedKey, type McpView } from '@plexmcp/contracts';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import { actorOf, http, mcpRequest, gatewaySuite } from './support/world.js';

const DAY = 86_400_000;

/**
 * No key ever acts beyond its own grant, black-box through the gateway: each case is one of the
 * holes an attacker found (issue: authorization boundary), tried again.
 */
describe('the grant boundary', () => {
  const s = gatewaySuite('grants');
  let upstream: UpstreamMcp;
  let elsewhere: UpstreamMcp;
  let mcpA: McpView;
  let mcpB: McpView;
  let narrow: CreatedKey;
  let tester: CreatedKey;

  beforeAll(async () => {
    upstream = await startUpstreamMcp({ json: true });
    elsewhere = await startUpstreamMcp({ json: true });
    mcpA = await s.world.createMcp(actorOf(s.admin), {
      name: 'A',
      upstream_url: upstream.url,
      upstream_headers: { 'X-Upstream-Token': 'customer-secret' },
    });
    mcpB = await s.world.createMcp(actorOf(s.admin), { name: 'B', upstream_url: upstream.url });
    // The attacker's keys: one MCP, 30 days, management scopes; and a test key.
    narrow = await s.world.createKey(actorOf(s.admin), {
      name: 'narrow',
      permissions: { mcps: [mcpA.id] },
      scopes: ['keys:read', 'keys:write', 'mcps:read', 'mcps:write'],
      expires_in: '30d',
      rate_limit: { requests_per_second: 100, burst: 200 },
      usage_limit: { requests: 10_000, period: 'day' },
    });
    tester = await s.world.createKey(actorOf(s.admin), {
      name: 'tester',
      mode: 'test',
      scopes: [...ALL_SCOPES],
    });
  });
  afterAll(async () => {
    await upstream.close();
    await elsewhere.close();
  });

  const as = (key: CreatedKey, path: string, init: { method?: string; body?: unknown } = {}) =>
    http(s.gateway.url, path, { key: key.secret, ...init });

  describe('a narrow key cannot act on a stronger key', () => {
    it('cannot rotate the s.admin key and receive its secret, nor revoke or change it', async () => {
      const rotated = await as(narrow, `/v1/keys/${s.admin.key.id}/rotate`, { method: 'POST', body: {} });
      expect(rotated.status).toBe(403);
      expect(rotated.body.error.code).toBe('forbidden');
      expect(JSON.stringify(rotated.body)).not.toMatch(/pk_(live|test)_/);
      expect((await as(narrow, `/v1/keys/${s.admin.key.id}`, { method: 'DELETE' })).status).toBe(403);
      expect(
        (await as(narrow, `/v1/keys/${s.admin.key.id}`, { method: 'PATCH', body: { name: 'mine now' } }))
          .status,
      ).toBe(403);
      // The admin key still works, unchanged.
      const me = await as(s.admin, '/v1/me');
      expect(me.status).toBe(200);
      expect((await as(s.admin, `/v1/keys/${s.admin.key.id}`)).body.data).toMatchObject({
        name: 'Admin key',
        status: 'active',
      });
    });

    it('a test key cannot rotate a live key into a pk_live_ secret', async () => {
      const live = await s.world.createKey(actorOf(s.admin), {
        name: 'live worker',
        permissions: { mcps: [mcpA.id] },
      });
      const rotated = await as(tester, `/v1/keys/${live.key.id}/rotate`, { method: 'POST', body: {} });
      expect(rotated.status).toBe(403);
      expect(JSON.stringify(rotated.body)).not.toContain('pk_live_');
      expect((await as(tester, `/v1/keys/${live.key.id}`, { method: 'DELETE' })).status).toBe(403);
      // Nor mint live keys, nor read one.
      expect(
        (await as(tester, '/v1/keys', { method: 'POST', body: { name: 'x', mode: 'live' } })).status,
      ).toBe(403);
      expect((await as(tester, `/v1/keys/${live.key.id}`)).status).toBe(403);
      const listed = await as(tester, '/v1/keys');
      expect(listed.status).toBe(200);
      expect(listed.body.data.every((k: { mode: string }) => k.mode === 'test')).toBe(true);
    });

    it('may rotate a key it covers; the new key never outlives the caller', async () => {
      const child = await as(narrow, '/v1/keys', {
        method: 'POST',
        body: {
          name: 'child',
          permissions: { mcps: [mcpA.id] },
          scopes: ['keys:read'],
          expires_in: '30d',
          rate_limit: { requests_per_second: 10, burst: 20 },
          usage_limit: { requests: 100, period: 'day' },
        },
      });
      // 30 days from now is a moment past the narrow key's own 30 days: refused.
      expect(child.status).toBe(403);
      const within = await as(narrow, '/v1/keys', {
        method: 'POST',
        body: {
          name: 'child',
          permissions: { mcps: [mcpA.id] },
          scopes: ['keys:read'],
          expires_at: new Date(Date.now() + 20 * DAY).toISOString(),
          rate_limit: { requests_per_second: 10, burst: 20 },
          usage_limit: { requests: 100, period: 'day' },
        },
      });
      expect(within.status).toBe(201);
      const rotated = await as(narrow, `/v1/keys/${within.body.data.id}/rotate`, {
        method: 'POST',
        body: {},
      });
      expect(rotated.status).toBe(201);
      expect(Date.parse(rotated.body.data.expires_at)).toBeLessThanOrEqual(Date.parse(narrow.key.expires_at));
      // …and rotating itself does not extend its own life either.
      const self = await as(narrow, `/v1/keys/${narrow.key.id}/rotate`, {
        method: 'POST',
        body: { grace_period: '1h' },
      });
      expect(self.status).toBe(201);
      expect(Date.parse(self.body.data.expires_at)).toBeLessThanOrEqual(Date.parse(narrow.key.expires_at));
      narrow = { key: self.body.data, secret: self.body.data.secret };
    });
  });

  describe('keys never outgrow their parents', () => {
    it('a child may not outlive the caller, drop its limits, or loosen them', async () => {
      const base = {
        name: 'child',
        permissions: { mcps: [mcpA.id] },
        expires_at: new Date(Date.now() + 10 * DAY).toISOString(),
      };
      const within = {
        rate_limit: { requests_per_second: 100, burst: 200 },
        usage_limit: { requests: 10_000, period: 'day' },
      };
      for (const body of [
        {
          ...base,
          ...within,
          expires_in: undefined,
          expires_at: new Date(Date.now() + 300 * DAY).toISOString(),
        },
        { ...base, usage_limit: within.usage_limit },
        { ...base, rate_limit: within.rate_limit },
        { ...base, ...within, rate_limit: { requests_per_second: 101, burst: 200 } },
        { ...base, ...within, usage_limit: { requests: 10_001, period: 'day' } },
        { ...base, ...within, usage_limit: { requests: 20_000, period: 'month' } },
        { ...base, ...within, permissions: { mcps: '*' } },
        { ...base, ...within, permissions: { mcps: [mcpA.id, mcpB.id] } },
        { ...base, ...within, scopes: ['webhooks:write'] },
      ]) {
        const res = await as(narrow, '/v1/keys', { method: 'POST', body });
        expect({ body, status: res.status }).toEqual({ body, status: 403 });
      }
      expect((await as(narrow, '/v1/keys', { method: 'POST', body: { ...base, ...within } })).status).toBe(
        201,
      );
    });

    it('a key cannot PATCH away its own limits', async () => {
      for (const body of [
        { rate_limit: null },
        { usage_limit: null },
        { rate_limit: { requests_per_second: 1_000, burst: 2_000 } },
        { scopes: [...ALL_SCOPES] },
        { permissions: { mcps: '*' } },
      ]) {
        const res = await as(narrow, `/v1/keys/${narrow.key.id}`, { method: 'PATCH', body });
        expect({ body, status: res.status }).toEqual({ body, status: 403 });
      }
      // Tightening its own limits, or renaming itself, is fine.
      const tightened = await as(narrow, `/v1/keys/${narrow.key.id}`, {
        method: 'PATCH',
        body: { name: 'narrower', rate_limit: { requests_per_second: 50, burst: 100 } },
      });
      expect(tightened.status).toBe(200);
      expect(tightened.body.data.rate_limit).toEqual({ requests_per_second: 50, burst: 100 });
    });

    it('the organization s.admin key may still issue one-year keys, though it expires in 90 days', async () => {
      const yearly = await as(s.admin, '/v1/keys', {
        method: 'POST',
        body: { name: 'yearly', scopes: [...ALL_SCOPES], expires_in: '365d' },
      });
      expect(yearly.status).toBe(201);
      expect(Date.parse(yearly.body.data.expires_at)).toBeGreaterThan(Date.parse(s.admin.key.expires_at));
    });
  });

  describe('mcps:write acts only on the MCPs a key may use', () => {
    it('a key limited to MCP A cannot re-point, re-mode, delete or register MCPs beyond A', async () => {
      const moved = await as(narrow, `/v1/mcps/${mcpB.id}`, {
        method: 'PATCH',
        body: { upstream_url: elsewhere.url },
      });
      expect(moved.status).toBe(403);
      expect(
        (await as(narrow, `/v1/mcps/${mcpB.id}`, { method: 'PATCH', body: { mode: 'test' } })).status,
      ).toBe(403);
      expect((await as(narrow, `/v1/mcps/${mcpB.id}`, { method: 'DELETE' })).status).toBe(403);
      expect(
        (
          await as(narrow, '/v1/mcps', {
            method: 'POST',
            body: { name: 'Mine', upstream_url: elsewhere.url },
          })
        ).status,
      ).toBe(403);
      expect((await as(s.admin, `/v1/mcps/${mcpB.id}`)).body.data.upstream_url).toBe(upstream.url);
    });

    it('a test key manages test MCPs only, and cannot turn one live', async () => {
      expect(
        (
          await as(tester, '/v1/mcps', {
            method: 'POST',
            body: { name: 'Live', upstream_url: elsewhere.url },
          })
        ).status,
      ).toBe(403);
      const sandbox = await as(tester, '/v1/mcps', {
        method: 'POST',
        body: { name: 'Sandbox', mode: 'test', upstream_url: elsewhere.url },
      });
      expect(sandbox.status).toBe(201);
      expect(
        (await as(tester, `/v1/mcps/${sandbox.body.data.id}`, { method: 'PATCH', body: { mode: 'live' } }))
          .status,
      ).toBe(403);
      expect((await as(tester, `/v1/mcps/${mcpA.id}`, { method: 'PATCH', body: { name: 'x' } })).status).toBe(
        403,
      );
      expect((await as(tester, `/v1/mcps/${mcpA.id}`, { method: 'DELETE' })).status).toBe(403);
    });

    it('re-pointing an MCP drops its stored upstream headers: the customer secret never reaches the new address', async () => {
      const own = await s.world.createMcp(actorOf(s.admin), {
        name: 'Moving',
        upstream_url: upstream.url,
        upstream_headers: { 'X-Upstream-Token': 'customer-secret' },
      });
      expect((await mcpRequest(s.gateway.url, own.id, s.admin.secret)).status).toBe(200);
      expect(upstream.seen.at(-1)!['x-upstream-token']).toBe('customer-secret');

      const moved = await as(s.admin, `/v1/mcps/${own.id}`, {
        method: 'PATCH',
        body: { upstream_url: elsewhere.url },
      });
      expect(moved.status).toBe(200);
      expect(moved.body.data.upstream_header_names).toEqual([]);
      expect((await mcpRequest(s.gateway.url, own.id, s.admin.secret)).status).toBe(200);
      expect(elsewhere.seen.length).toBeGreaterThan(0);
      expect(elsewhere.seen.some((h) => 'x-upstream-token' in h)).toBe(false);

      // Sent together, new headers go with the new address.
      const withHeaders = await as(s.admin, `/v1/mcps/${own.id}`, {
        method: 'PATCH',
        body: { upstream_url: upstream.url, upstream_headers: { 'X-Upstream-Token': 'rotated' } },
      });
      expect(withHeaders.body.data.upstream_header_names).toEqual(['X-Upstream-Token']);
    });
  });

  describe('test mode is not self-declared where the operator says so', () => {
    it('with MCP_ISOLATE_TEST_UPSTREAMS a test MCP may not share a live MCP’s upstream origin', async () => {
      // Default: allowed (documented trust model: test MCPs are the organization's own choice).
      const shared = await as(s.admin, '/v1/mcps', {
        method: 'POST',
        body: { name: 'Shared', mode: 'test', upstream_url: upstream.url },
      });
      expect(shared.status).toBe(201);

      await s.world.stopKeyService();
      await s.world.startKeyService({ isolateTestUpstreams: true });
      const refused = await as(s.admin, '/v1/mcps', {
        method: 'POST',
        body: { name: 'Sneaky', mode: 'test', upstream_url: `${upstream.url}?as=test` },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/MCP_ISOLATE_TEST_UPSTREAMS/);
      // Nor can a test MCP be re-pointed at a live MCP's origin, or a live MCP turned test there.
      const sandbox = await as(s.admin, '/v1/mcps', {
        method: 'POST',
        body: { name: 'Own sandbox', mode: 'test', upstream_url: elsewhere.url },
      });
      expect(sandbox.status).toBe(201);
      expect(
        (
          await as(s.admin, `/v1/mcps/${sandbox.body.data.id}`, {
            method: 'PATCH',
            body: { upstream_url: upstream.url },
          })
        ).status,
      ).toBe(409);
      expect(
        (await as(s.admin, `/v1/mcps/${mcpB.id}`, { method: 'PATCH', body: { mode: 'test' } })).status,
      ).toBe(409);
    });
  });
});

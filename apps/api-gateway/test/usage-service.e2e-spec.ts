/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- HTTP bodies are JSON inspected field by field */
import { describe, expect, it } from '@jest/globals';
import { type CreatedKey, Subjects, apiKeyViewSchema, organizationViewSchema } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, http, mcpRequest, mcpSuite } from './support/world.js';

/**
 * The gateway with both real services behind it: readiness and usage-limit enforcement. Usage
 * limits meter and block MCP traffic only; management and read routes are never blocked.
 */
describe('with the key-service and the usage-service', () => {
  const s = mcpSuite('usage', {
    usageService: true,
    gatewayEnv: { READY_CHECK_TIMEOUT_MS: '300', USAGE_BLOCKS_RETRY_MS: '200' },
  });

  const call = (g: GatewayHandle, key: CreatedKey) => mcpRequest(g.url, s.mcp.id, key.secret);

  const readyz = () => http(s.gateway.url, '/readyz');
  const failing = (res: { body: any }): string[] =>
    (res.body.error?.details ?? []).map((d: { field: string }) => d.field);

  it('/readyz is 200 with NATS and both services up, 503 within 2 s of stopping either, 200 again after restart', async () => {
    const ok = await readyz();
    expect(ok.status).toBe(200);
    expect(ok.body.data.checks).toEqual({ nats: true, key_service: true, usage_service: true });

    await s.world.stopKeyService();
    const stoppedAt = Date.now();
    const down = await waitFor(
      async () => {
        const res = await readyz();
        return res.status === 503 ? res : null;
      },
      { timeoutMs: 2_000, message: '/readyz 503 after stopping the key-service' },
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(down.body.error.code).toBe('service_unavailable');
    expect(failing(down)).toEqual(['key_service']);
    await s.world.startKeyService();
    await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 5_000, message: 'ready again' });

    await s.world.stopUsageService();
    const usageDown = await waitFor(
      async () => {
        const res = await readyz();
        return res.status === 503 ? res : null;
      },
      { timeoutMs: 2_000, message: '/readyz 503 after stopping the usage-service' },
    );
    expect(failing(usageDown)).toEqual(['usage_service']);
    await s.world.startUsageService();
    await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 5_000, message: 'ready again' });
  });

  it('a key over its own usage limit gets 429 usage_limit_exceeded with Retry-After on MCP calls, announced by the usage-service', async () => {
    const limited = await s.world.createKey(actorOf(s.admin), {
      scopes: ['keys:read', 'keys:write'],
      expires_in: '30d',
      usage_limit: { requests: 3, period: 'day' },
    });
    const blocked = await waitFor(
      async () => {
        const res = await call(s.gateway, limited);
        return res.status === 429 ? res : null;
      },
      { timeoutMs: 15_000, message: 'key blocked by its usage limit' },
    );
    expect(blocked.body.error.code).toBe('usage_limit_exceeded');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key of the organization is not affected by this key's own limit.
    expect((await call(s.gateway, s.admin)).status).toBe(200);
    // Management and read routes are never blocked by a usage limit, not even for the blocked key.
    expect((await http(s.gateway.url, '/v1/me', { key: limited.secret })).status).toBe(200);
    expect((await http(s.gateway.url, '/v1/keys', { key: limited.secret })).status).toBe(200);

    // A gateway starting now learns the current blocks from the usage-service (usage.blocks).
    const late = await s.world.startGateway();
    await waitFor(async () => (await call(late, limited)).status === 429, {
      timeoutMs: 5_000,
      message: 'new s.gateway enforcing the existing block',
    });
    // The blocked key can still revoke itself (a leaked key is never beyond reach).
    expect(
      (await http(late.url, `/v1/keys/${limited.key.id}`, { method: 'DELETE', key: limited.secret })).status,
    ).toBe(200);
  });

  it('a 10-per-day key is served 10 MCP calls across two gateways, then both answer 429 within a second', async () => {
    const second = await s.world.startGateway({ USAGE_BLOCKS_RETRY_MS: '200' });
    const gateways = [s.gateway, second];
    const limited = await s.world.createKey(actorOf(s.admin), {
      usage_limit: { requests: 10, period: 'day' },
    });

    // The first 10 requests, alternating between the two gateways, are all within the limit.
    for (let i = 0; i < 10; i++) {
      const res = await call(gateways[i % 2]!, limited);
      expect(res.status).toBe(200);
    }
    const tenthAt = Date.now();
    // "Soon after the 10th": every gateway enforces the block within a second of that request.
    await waitFor(
      async () => {
        const answers = await Promise.all(gateways.map((g) => call(g, limited)));
        return answers.every((res) => res.status === 429 && res.body.error.code === 'usage_limit_exceeded');
      },
      { timeoutMs: 1_000, intervalMs: 25, message: 'both gateways blocking the key' },
    );
    expect(Date.now() - tenthAt).toBeLessThan(1_000);
    await second.close();
  });

  it('raising a key limit lifts its block at once on every s.gateway, and the raised limit blocks again when reached', async () => {
    const second = await s.world.startGateway({ USAGE_BLOCKS_RETRY_MS: '200' });
    const gateways = [s.gateway, second];
    const limited = await s.world.createKey(actorOf(s.admin), {
      usage_limit: { requests: 2, period: 'day' },
    });
    for (let i = 0; i < 2; i++) expect((await call(s.gateway, limited)).status).toBe(200);
    await waitFor(
      async () => (await Promise.all(gateways.map((g) => call(g, limited)))).every((r) => r.status === 429),
      {
        timeoutMs: 5_000,
        message: 'both gateways blocking',
      },
    );

    const raise = await http(s.gateway.url, `/v1/keys/${limited.key.id}`, {
      method: 'PATCH',
      key: s.admin.secret,
      body: { usage_limit: { requests: 6, period: 'day' } },
    });
    expect(raise.status).toBe(200);
    // The update returned once every gateway evicted the key's policy: the next call passes anywhere.
    for (const g of gateways) expect((await call(g, limited)).status).toBe(200);
    // Blocked requests were never counted: 2 + 2 served so far; the raised limit of 6 is reached again.
    await waitFor(
      async () => {
        const answers = await Promise.all(gateways.map((g) => call(g, limited)));
        return answers.every((r) => r.status === 429);
      },
      { timeoutMs: 10_000, message: 'blocked again at the raised limit' },
    );
    await second.close();
  });

  it('removing an organization limit lifts its block; the s.admin key revokes keys while the org is over its limit', async () => {
    const org = await s.world.createOrg({ name: 'Small plan', monthly_request_limit: 2 });
    const orgMcp = await s.world.createMcp(actorOf(org.admin_key), { upstream_url: s.upstream.url });
    const testMcp = await s.world.createMcp(actorOf(org.admin_key), {
      mode: 'test',
      upstream_url: s.upstream.url,
    });
    const leaked = await s.world.createKey(actorOf(org.admin_key));
    const testKey = await s.world.createKey(actorOf(org.admin_key), { mode: 'test' });
    await waitFor(async () => (await mcpRequest(s.gateway.url, orgMcp.id, leaked.secret)).status === 429, {
      timeoutMs: 15_000,
      message: 'organization blocked',
    });
    expect((await mcpRequest(s.gateway.url, orgMcp.id, org.admin_key.secret)).status).toBe(429);
    // Test keys are never blocked by the organization's limit.
    for (let i = 0; i < 3; i++)
      expect((await mcpRequest(s.gateway.url, testMcp.id, testKey.secret)).status).toBe(200);
    // Whoever burned the quota cannot stop the organization from revoking the key.
    const revoked = await http(s.gateway.url, `/v1/keys/${leaked.key.id}`, {
      method: 'DELETE',
      key: org.admin_key.secret,
    });
    expect(revoked.status).toBe(200);
    expect((await http(s.gateway.url, '/v1/keys', { key: org.admin_key.secret })).status).toBe(200);

    await s.world.rpc.call(
      Subjects.orgs.update,
      { id: org.organization.id, body: { monthly_request_limit: null } },
      organizationViewSchema,
    );
    await waitFor(
      async () => (await mcpRequest(s.gateway.url, orgMcp.id, org.admin_key.secret)).status === 200,
      {
        timeoutMs: 3_000,
        message: 'block lifted after the limit was removed',
      },
    );
    expect(
      (
        await s.world.rpc.call(
          Subjects.keys.get,
          { actor: actorOf(org.admin_key), id: leaked.key.id },
          apiKeyViewSchema,
        )
      ).status,
    ).toBe('revoked');
  });
});

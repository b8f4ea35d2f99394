/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, createKey, createOrg, http, startWorld, type World } from './support/world.js';

/** The gateway with both real services behind it: readiness and usage-limit enforcement. */
describe('with the key-service and the usage-service', () => {
  let world: World;
  let gateway: GatewayHandle;
  let admin: CreatedKey;

  beforeAll(async () => {
    world = await startWorld('usage');
    await world.startUsageService();
    gateway = await world.startGateway({ READY_CHECK_TIMEOUT_MS: '300', USAGE_BLOCKS_RETRY_MS: '200' });
    admin = (await createOrg(world)).admin_key;
  });
  afterAll(async () => world.close());

  const readyz = () => http(gateway.url, '/readyz');
  const failing = (res: { body: any }): string[] =>
    (res.body.error?.details ?? []).map((d: { field: string }) => d.field);

  it('/readyz is 200 with NATS and both services up, 503 within 2 s of stopping either, 200 again after restart', async () => {
    const ok = await readyz();
    expect(ok.status).toBe(200);
    expect(ok.body.data.checks).toEqual({ nats: true, key_service: true, usage_service: true });

    await world.stopKeyService();
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
    await world.startKeyService();
    await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 5_000, message: 'ready again' });

    await world.stopUsageService();
    const usageDown = await waitFor(
      async () => {
        const res = await readyz();
        return res.status === 503 ? res : null;
      },
      { timeoutMs: 2_000, message: '/readyz 503 after stopping the usage-service' },
    );
    expect(failing(usageDown)).toEqual(['usage_service']);
    await world.startUsageService();
    await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 5_000, message: 'ready again' });
  });

  it('a key over its own usage limit gets 429 usage_limit_exceeded with Retry-After, announced by the usage-service', async () => {
    const limited = await createKey(world, actorOf(admin), { usage_limit: { requests: 3, period: 'day' } });
    const blocked = await waitFor(
      async () => {
        const res = await http(gateway.url, '/v1/me', { key: limited.secret });
        return res.status === 429 ? res : null;
      },
      { timeoutMs: 15_000, message: 'key blocked by its usage limit' },
    );
    expect(blocked.body.error.code).toBe('usage_limit_exceeded');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key of the organization is not affected by this key's own limit.
    expect((await http(gateway.url, '/v1/me', { key: admin.secret })).status).toBe(200);

    // A gateway starting now learns the current blocks from the usage-service (usage.blocks).
    const late = await world.startGateway();
    await waitFor(async () => (await http(late.url, '/v1/me', { key: limited.secret })).status === 429, {
      timeoutMs: 5_000,
      message: 'new gateway enforcing the existing block',
    });
  });

  it('a 10-per-day key is served 10 times across two gateways, then both answer 429 within a second', async () => {
    const second = await world.startGateway({ USAGE_BLOCKS_RETRY_MS: '200' });
    const gateways = [gateway, second];
    const limited = await createKey(world, actorOf(admin), { usage_limit: { requests: 10, period: 'day' } });

    // The first 10 requests, alternating between the two gateways, are all within the limit.
    for (let i = 0; i < 10; i++) {
      const res = await http(gateways[i % 2]!.url, '/v1/me', { key: limited.secret });
      expect(res.status).toBe(200);
    }
    const tenthAt = Date.now();
    // "Soon after the 10th": every gateway enforces the block within a second of that request.
    await waitFor(
      async () => {
        const answers = await Promise.all(
          gateways.map((g) => http(g.url, '/v1/me', { key: limited.secret })),
        );
        return answers.every((res) => res.status === 429 && res.body.error.code === 'usage_limit_exceeded');
      },
      { timeoutMs: 1_000, intervalMs: 25, message: 'both gateways blocking the key' },
    );
    expect(Date.now() - tenthAt).toBeLessThan(1_000);
    await second.close();
  });

  it('the organization monthly limit blocks live keys but never test keys', async () => {
    const org = await createOrg(world, { name: 'Small plan', monthly_request_limit: 2 });
    const testKey = await createKey(world, actorOf(org.admin_key), { mode: 'test' });
    await waitFor(
      async () => (await http(gateway.url, '/v1/me', { key: org.admin_key.secret })).status === 429,
      {
        timeoutMs: 15_000,
        message: 'organization blocked',
      },
    );
    for (let i = 0; i < 3; i++)
      expect((await http(gateway.url, '/v1/me', { key: testKey.secret })).status).toBe(200);
  });
});

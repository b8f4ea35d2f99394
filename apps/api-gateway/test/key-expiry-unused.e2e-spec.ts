/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { WebhookReceiver, createTestSchema, serviceTestOptions, waitFor } from '@plexmcp/service-kit/testing';
import { type UsageServiceHandle, bootstrap as bootstrapUsageService } from '@plexmcp/usage-service';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, http, startWorld, type World } from './support/world.js';

const DAY = 86_400_000;

/** `key_expiring` also for a key that is never used, once, with its webhook. */
describe('expiry warnings of keys that are never used', () => {
  let world: World;
  let gateway: GatewayHandle;
  let usage: UsageServiceHandle;
  let usageSchema: Awaited<ReturnType<typeof createTestSchema>>;
  let admin: CreatedKey;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    world = await startWorld('expiry_unused');
    usageSchema = await createTestSchema('gw_expiry_unused');
    usage = await bootstrapUsageService({
      ...serviceTestOptions(world.nats.url, usageSchema.schema),
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', KEY_EXPIRY_SWEEP_MS: '200' },
    });
    gateway = await world.startGateway();
    admin = (await world.createOrg()).admin_key;
    await receiver.start();
    const hook = await http(gateway.url, '/v1/webhooks', {
      method: 'POST',
      key: admin.secret,
      body: { url: receiver.url, events: ['alert.key_expiring'] },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await receiver.stop();
    await usage?.close();
    await world?.close();
    await usageSchema?.drop();
  });

  it('warns about an unused key expiring within the warning days, and not about one expiring later', async () => {
    const soon = await world.createKey(actorOf(admin), {
      name: 'forgotten',
      expires_at: new Date(Date.now() + 3 * DAY).toISOString(),
    });
    const later = await world.createKey(actorOf(admin), { name: 'fresh', expires_in: '30d' });
    const alerts = await waitFor(
      async () => {
        const res = await http(gateway.url, `/v1/alerts?type=key_expiring&key_id=${soon.key.id}`, {
          key: admin.secret,
        });
        return res.body.data?.length ? res.body.data : null;
      },
      { timeoutMs: 10_000 },
    );
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'key_expiring',
        details: expect.objectContaining({ expires_at: soon.key.expires_at }),
      }),
    ]);
    await waitFor(() => receiver.received.find((r) => r.body.includes(soon.key.id)));
    // More sweeps pass: still one alert, and none for the key expiring in 30 days.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const again = await http(gateway.url, `/v1/alerts?type=key_expiring&key_id=${soon.key.id}`, {
      key: admin.secret,
    });
    expect(again.body.data).toHaveLength(1);
    const none = await http(gateway.url, `/v1/alerts?type=key_expiring&key_id=${later.key.id}`, {
      key: admin.secret,
    });
    expect(none.body.data).toHaveLength(0);
  });
});

import { afterAll, beforeAll, expect } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { WebhookReceiver, createTestSchema, serviceTestOptions } from '@plexmcp/service-kit/testing';
import { type UsageServiceHandle, bootstrap as bootstrapUsageService } from '@plexmcp/usage-service';
import type { GatewayEnv, GatewayHandle } from '../../src/index.js';
import { http, startWorld, type World } from './world.js';

/** A suite about alerts and their webhooks; its fields are set before the suite's first test. */
export interface AlertingSuite {
  world: World;
  gateway: GatewayHandle;
  usage: UsageServiceHandle;
  admin: CreatedKey;
  /** The organization's webhook endpoint, subscribed to `events`. */
  receiver: WebhookReceiver;
}

/**
 * Registers the hooks of an alerting suite: a world, the real usage-service in a schema of its own
 * with `usageEnv` (webhooks to loopback allowed, polled every 100 ms), one gateway with
 * `gatewayEnv`, an organization, and a webhook receiving `events`; all closed after the suite.
 */
export function alertingSuite(
  name: string,
  options: { events: string[]; usageEnv?: Record<string, string>; gatewayEnv?: GatewayEnv },
): AlertingSuite {
  const suite = { receiver: new WebhookReceiver() } as AlertingSuite;
  let usageSchema: Awaited<ReturnType<typeof createTestSchema>> | undefined;
  beforeAll(async () => {
    suite.world = await startWorld(name);
    usageSchema = await createTestSchema(`gw_${name}`);
    suite.usage = await bootstrapUsageService({
      ...serviceTestOptions(suite.world.nats.url, usageSchema.schema),
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', ...options.usageEnv },
    });
    suite.gateway = await suite.world.startGateway(options.gatewayEnv);
    suite.admin = (await suite.world.createOrg()).admin_key;
    await suite.receiver.start();
    const hook = await http(suite.gateway.url, '/v1/webhooks', {
      method: 'POST',
      key: suite.admin.secret,
      body: { url: suite.receiver.url, events: options.events },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await suite.receiver.stop();
    await suite.usage?.close();
    await suite.world?.close();
    await usageSchema?.drop();
  });
  return suite;
}

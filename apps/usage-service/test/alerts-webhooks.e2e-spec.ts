import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  alertViewSchema,
  healthReplySchema,
  limitBlocksReplySchema,
  Subjects,
  type UsageEvent,
  usageEventSchema,
  UsageSubjects,
  webhookDeliveryPageSchema,
  webhookDeliveryViewSchema,
  webhookPageSchema,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { freePort, waitFor, type ReceivedRequest, WebhookReceiver } from '@plexmcp/service-kit/testing';
import { type UsageServiceHandle, verifyWebhook, webhookHeadersOf } from '../src/index.js';
import {
  GERMAN_IP,
  US_IP,
  newKeyId,
  newOrgId,
  queryUsage,
  requestEvent,
  type UsageBed,
  startUsageBed,
  createWebhook,
  listAlerts,
} from './support/fixtures.js';

function expectSigned(secret: string, r: ReceivedRequest): void {
  const timestamp = Number(r.headers['webhook-timestamp']);
  expect(Math.abs(Date.now() / 1000 - timestamp)).toBeLessThan(60);
  expect(verifyWebhook(secret, webhookHeadersOf(r.headers), r.body)).toBe(true);
}

describe('limits, anomaly alerts and webhooks', () => {
  let bed: UsageBed;
  let rpc: NatsRpcClient;
  let service: UsageServiceHandle;
  const receiver = new WebhookReceiver({ status: 200 });
  let secret: string;
  const org = newOrgId();
  const actor = { org_id: org, key_id: null, ip: null };

  const start = () =>
    bed.start({
      logLevel: 'warn',
      webhookAllowPrivateNetworks: true,
      env: {
        ANOMALY_EVAL_MS: '100',
        LIMITS_SWEEP_MS: '100',
        WEBHOOK_POLL_MS: '100',
        WEBHOOK_RETRY_SCHEDULE_MS: '200,300,400,500,600,700,800,900,1000,1000',
      },
    });

  beforeAll(async () => {
    bed = await startUsageBed('usage_alerts');
    rpc = bed.rpc;
    await receiver.start();
    service = await start();
    const created = await createWebhook(rpc, actor, { url: receiver.url });
    secret = created.secret;
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
    await bed?.close();
  });

  it('returns the signing secret once, in the Standard Webhooks format', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const page = await rpc.call(
      UsageSubjects.webhooks.list,
      { actor, page: { limit: 10 } },
      webhookPageSchema,
    );
    expect(page.items).toHaveLength(1);
    expect(JSON.stringify(page)).not.toContain('whsec_');
  });

  it('raises exactly one new_location alert when a key used from Germany is then used from the US, and delivers it signed', async () => {
    const key = newKeyId();
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, client_ip: GERMAN_IP })]);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 1);
    await bed.publisher.publish(
      Array.from({ length: 3 }, () => requestEvent({ org_id: org, key_id: key, client_ip: US_IP })),
    );
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, client_ip: GERMAN_IP })]);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 5);

    const alerts = await waitFor(async () => {
      const page = await listAlerts(rpc, actor, { limit: 50, key_id: key });
      return page.items.length > 0 ? page.items : null;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      type: 'new_location',
      status: 'open',
      details: { country: 'US', known_countries: ['DE'] },
    });

    const delivery = await waitFor(() =>
      receiver
        .ofType('alert.new_location')
        .find((r) => (JSON.parse(r.body) as { data: { key_id: string } }).data.key_id === key),
    );
    expectSigned(secret, delivery);
    const payload = JSON.parse(delivery.body) as { type: string; timestamp: string; data: unknown };
    expect(payload.type).toBe('alert.new_location');
    expect(alertViewSchema.parse(payload.data).id).toBe(alerts[0]!.id);

    // The ops port counts the alert by type and the delivery by outcome.
    const metrics = async () => (await fetch(`http://127.0.0.1:${service.opsPort}/metrics`)).text();
    expect(await metrics()).toMatch(/^plexmcp_usage_alerts_raised_total\{type="new_location"\} 1$/m);
    await waitFor(async () =>
      /^plexmcp_usage_webhook_deliveries_total\{outcome="succeeded"\} [1-9]/m.test(await metrics()),
    );
  });

  it('raises one error_spike for a burst of 5xx, however long the burst lasts', async () => {
    const key = newKeyId();
    await bed.publisher.publish(
      Array.from({ length: 40 }, () => requestEvent({ org_id: org, key_id: key, status: 503 })),
    );
    const delivery = await waitFor(() =>
      receiver
        .ofType('alert.error_spike')
        .find((r) => (JSON.parse(r.body) as { data: { key_id: string } }).data.key_id === key),
    );
    expectSigned(secret, delivery);
    await bed.publisher.publish(
      Array.from({ length: 40 }, () => requestEvent({ org_id: org, key_id: key, status: 500 })),
    );
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).errors['5xx'] === 80);
    const page = await listAlerts(rpc, actor, { limit: 50, key_id: key, type: 'error_spike' });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.details).toMatchObject({ window_errors: 40, error_rate: 1 });
  });

  it('announces limit_reached right after the 10th request of a key limited to 10 per day, and serves the block', async () => {
    const key = newKeyId();
    const testKey = newKeyId();
    const seen: UsageEvent[] = [];
    const sub = bed.publisher.nc.subscribe(Subjects.usageEvents.wildcard, {
      callback: (_err, msg) => {
        seen.push(usageEventSchema.parse(msg.json()));
      },
    });
    const limited = { usage_limit: { requests: 10, period: 'day' as const } };
    // A test key with the same limit is tracked, never billed, never blocked.
    await bed.publisher.publish(
      Array.from({ length: 15 }, () =>
        requestEvent({ org_id: org, key_id: testKey, mode: 'test', ...limited }),
      ),
    );
    await bed.publisher.publish(
      Array.from({ length: 9 }, () => requestEvent({ org_id: org, key_id: key, ...limited })),
    );
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 9);
    expect(seen).toHaveLength(0);

    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, ...limited })]);
    const reached = await waitFor(() =>
      seen.find((e) => e.type === 'usage.limit_reached' && e.block.key_id === key),
    );
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(reached.block).toEqual({
      scope: 'key',
      org_id: org,
      key_id: key,
      reset_at: midnight.toISOString(),
      period: 'day',
      limit: 10,
    });

    const { blocks } = await rpc.call(Subjects.usage.blocks, {}, limitBlocksReplySchema);
    expect(blocks).toContainEqual(reached.block);
    expect(blocks.some((b) => b.key_id === testKey)).toBe(false);
    const testUsage = await queryUsage(rpc, org, { keyId: testKey });
    expect(testUsage).toMatchObject({ total_requests: 15, billable_requests: 0 });
    sub.unsubscribe();
  });

  it('counts requests made before a limit was set, and blocks an organization at its monthly limit', async () => {
    const seen: UsageEvent[] = [];
    const sub = bed.publisher.nc.subscribe(Subjects.usageEvents.limitReached, {
      callback: (_err, msg) => {
        seen.push(usageEventSchema.parse(msg.json()));
      },
    });
    const key = newKeyId();
    await bed.publisher.publish(
      Array.from({ length: 5 }, () => requestEvent({ org_id: org, key_id: key, usage_limit: null })),
    );
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 5);
    const limit = { usage_limit: { requests: 8, period: 'month' as const } };
    await bed.publisher.publish(
      Array.from({ length: 2 }, () => requestEvent({ org_id: org, key_id: key, ...limit })),
    );
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 7);
    expect(seen.filter((e) => e.block.key_id === key)).toHaveLength(0);
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, ...limit })]);
    const keyBlock = await waitFor(() => seen.find((e) => e.block.key_id === key));
    const now = new Date();
    expect(keyBlock.block.reset_at).toBe(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    );

    const otherOrg = newOrgId();
    const orgLimited = { org_monthly_limit: 20 };
    await bed.publisher.publish(
      Array.from({ length: 19 }, () => requestEvent({ org_id: otherOrg, key_id: newKeyId(), ...orgLimited })),
    );
    await waitFor(async () => (await queryUsage(rpc, otherOrg)).total_requests === 19);
    expect(seen.filter((e) => e.block.org_id === otherOrg)).toHaveLength(0);
    await bed.publisher.publish([requestEvent({ org_id: otherOrg, key_id: newKeyId(), ...orgLimited })]);
    const orgBlock = await waitFor(() => seen.find((e) => e.block.org_id === otherOrg));
    expect(orgBlock.block).toMatchObject({ scope: 'org', key_id: null });
    sub.unsubscribe();
  });

  it('warns once that a key expires within 7 days', async () => {
    const key = newKeyId();
    const expiresAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await bed.publisher.publish(
      Array.from({ length: 3 }, () => requestEvent({ org_id: org, key_id: key, expires_at: expiresAt })),
    );
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 3);
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, expires_at: expiresAt })]);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 4);
    const page = await listAlerts(rpc, actor, { limit: 50, key_id: key });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      type: 'key_expiring',
      details: { expires_at: expiresAt, days_left: 2 },
    });
    const farKey = newKeyId();
    await bed.publisher.publish([
      requestEvent({
        org_id: org,
        key_id: farKey,
        expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      }),
    ]);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: farKey })).total_requests === 1);
    const none = await listAlerts(rpc, actor, { limit: 50, key_id: farKey });
    expect(none.items).toHaveLength(0);
  });

  it('raises request_spike when volume jumps far above a key’s own history', async () => {
    const key = newKeyId();
    const now = Date.now();
    // Two hours of history at 2 requests a minute, then a burst of 600 in the current window.
    const history = Array.from({ length: 240 }, (_, i) =>
      requestEvent({
        org_id: org,
        key_id: key,
        occurred_at: new Date(now - 10 * 60_000 - i * 30_000).toISOString(),
      }),
    );
    await bed.publisher.publish(history);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 240);
    const quiet = await listAlerts(rpc, actor, { limit: 50, key_id: key });
    expect(quiet.items).toHaveLength(0);
    await bed.publisher.publish(
      Array.from({ length: 600 }, () => requestEvent({ org_id: org, key_id: key })),
    );
    const alerts = await waitFor(async () => {
      const page = await listAlerts(rpc, actor, { limit: 50, key_id: key, type: 'request_spike' });
      return page.items.length > 0 ? page.items : null;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.details).toMatchObject({ baseline_requests_per_minute: expect.any(Number) });
  });

  it('keeps retrying a receiver that is down and delivers once it is back', async () => {
    const down = new WebhookReceiver({ port: await freePort(), status: 200 });
    const created = await createWebhook(rpc, actor, { url: down.url, events: ['alert.new_location'] });
    const key = newKeyId();
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, client_ip: US_IP })]);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 1);
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, client_ip: GERMAN_IP })]);

    const failing = await waitFor(async () => {
      const page = await rpc.call(
        UsageSubjects.webhooks.deliveries,
        { actor, id: created.webhook.id, page: { limit: 10 } },
        webhookDeliveryPageSchema,
      );
      return page.items[0] && page.items[0].attempts.length >= 2 ? page.items[0] : null;
    });
    expect(failing.status).toBe('pending');
    expect(failing.attempts[0]!.status_code).toBeNull();

    await down.start();
    try {
      const got = await waitFor(() => down.ofType('alert.new_location')[0], { timeoutMs: 10_000 });
      expectSigned(created.secret, got);
      expect(got.headers['webhook-id']).toBe(failing.message_id);
      const done = await waitFor(async () => {
        const page = await rpc.call(
          UsageSubjects.webhooks.deliveries,
          { actor, id: created.webhook.id, page: { limit: 10 } },
          webhookDeliveryPageSchema,
        );
        return page.items[0]?.status === 'succeeded' ? page.items[0] : null;
      });
      expect(done.attempts.at(-1)!.status_code).toBe(200);
      expect(down.received).toHaveLength(1);
    } finally {
      await down.stop();
    }
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const gone = new WebhookReceiver({ port: await freePort(), status: 200 });
    gone.status = 410;
    await gone.start();
    try {
      const created = await createWebhook(rpc, actor, { url: gone.url });
      const queued = await rpc.call(
        UsageSubjects.webhooks.test,
        { actor, id: created.webhook.id },
        webhookDeliveryViewSchema,
      );
      expect(queued.status).toBe('pending');
      await waitFor(async () => {
        const page = await rpc.call(
          UsageSubjects.webhooks.list,
          { actor, page: { limit: 50 } },
          webhookPageSchema,
        );
        return page.items.find((w) => w.id === created.webhook.id)?.status === 'disabled';
      });
      expect(gone.received).toHaveLength(1);
      expectSigned(created.secret, gone.received[0]!);
    } finally {
      await gone.stop();
    }
  });

  it('acknowledges alerts and keeps other organizations out', async () => {
    const open = await listAlerts(rpc, actor, { limit: 1, status: 'open' });
    const alert = open.items[0]!;
    const stranger = { org_id: newOrgId(), key_id: null, ip: null };
    await expect(
      rpc.call(UsageSubjects.alerts.ack, { actor: stranger, id: alert.id }, alertViewSchema),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    const acked = await rpc.call(UsageSubjects.alerts.ack, { actor, id: alert.id }, alertViewSchema);
    expect(acked).toMatchObject({ id: alert.id, status: 'acknowledged' });
    const stillOpen = await listAlerts(rpc, actor, { limit: 100, status: 'open' });
    expect(stillOpen.items.some((a) => a.id === alert.id)).toBe(false);
    const foreign = await listAlerts(rpc, stranger, { limit: 100 });
    expect(foreign.items).toHaveLength(0);
  });

  it('delivers a pending delivery after the service restarts', async () => {
    const later = new WebhookReceiver({ port: await freePort(), status: 200 });
    const created = await createWebhook(rpc, actor, { url: later.url, events: ['alert.new_location'] });
    const key = newKeyId();
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, client_ip: GERMAN_IP })]);
    await waitFor(async () => (await queryUsage(rpc, org, { keyId: key })).total_requests === 1);
    await bed.publisher.publish([requestEvent({ org_id: org, key_id: key, client_ip: US_IP })]);
    await waitFor(async () => {
      const page = await rpc.call(
        UsageSubjects.webhooks.deliveries,
        { actor, id: created.webhook.id, page: { limit: 10 } },
        webhookDeliveryPageSchema,
      );
      return (page.items[0]?.attempts.length ?? 0) >= 1;
    });
    await service.close();
    await later.start();
    try {
      service = await start();
      const got = await waitFor(() => later.ofType('alert.new_location')[0], { timeoutMs: 10_000 });
      expectSigned(created.secret, got);
      expect(later.received).toHaveLength(1);
    } finally {
      await later.stop();
    }
  });

  it('answers health', async () => {
    const health = await rpc.call(Subjects.usage.health, {}, healthReplySchema);
    expect(health).toMatchObject({
      service: 'usage-service',
      status: 'ok',
      checks: { database: true, nats: true, ingest: true },
    });
  });
});

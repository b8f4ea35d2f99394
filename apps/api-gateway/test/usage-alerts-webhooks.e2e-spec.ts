/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- HTTP bodies are JSON inspected field by field */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey, McpView } from '@plexmcp/contracts';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import {
  bootstrap as bootstrapUsageService,
  type UsageServiceHandle,
  verifyWebhook,
  webhookHeadersOf,
} from '@plexmcp/usage-service';
import { createTestSchema, waitFor, serviceTestOptions, WebhookReceiver } from '@plexmcp/service-kit/testing';
import type { GatewayHandle } from '../src/index.js';
import { actorOf, http, mcpRequest, startWorld, type World } from './support/world.js';

const GERMAN_IP = '193.99.144.80';
const US_IP = '8.8.8.8';

/** GET /v1/usage, /v1/keys/{id}/usage, /v1/alerts and /v1/webhooks through the real services. */
describe('usage, alerts and webhooks through the gateway', () => {
  let world: World;
  let gateway: GatewayHandle;
  let usage: UsageServiceHandle;
  let usageSchema: Awaited<ReturnType<typeof createTestSchema>>;
  let admin: CreatedKey;
  const receiver = new WebhookReceiver();
  let upstream: UpstreamMcp;
  let liveMcp: McpView;
  let testMcp: McpView;

  beforeAll(async () => {
    world = await startWorld('usage_routes');
    usageSchema = await createTestSchema('gw_usage_routes');
    // The customer endpoint below listens on loopback, so private networks are allowed here.
    usage = await bootstrapUsageService({
      ...serviceTestOptions(world.nats.url, usageSchema.schema),
      webhookAllowPrivateNetworks: true,
      env: { WEBHOOK_POLL_MS: '100', ANOMALY_EVAL_MS: '100' },
    });
    gateway = await world.startGateway({ TRUSTED_PROXIES: '127.0.0.1/32' });
    admin = (await world.createOrg()).admin_key;
    upstream = await startUpstreamMcp({ json: true });
    liveMcp = await world.createMcp(actorOf(admin), { upstream_url: upstream.url });
    testMcp = await world.createMcp(actorOf(admin), {
      name: 'Sandbox',
      mode: 'test',
      upstream_url: upstream.url,
    });
    await receiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
    await usage?.close();
    await world?.close();
    await usageSchema?.drop();
    await upstream?.close();
  });

  const call = (path: string, key: CreatedKey, init: { method?: string; body?: unknown; ip?: string } = {}) =>
    http(gateway.url, path, {
      key: key.secret,
      ...(init.method ? { method: init.method } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.ip ? { headers: { 'x-forwarded-for': init.ip } } : {}),
    });

  it('counts each authenticated request of a key, by country; bills live MCP calls only, never a test key', async () => {
    const worker = await world.createKey(actorOf(admin));
    const tester = await world.createKey(actorOf(admin), { mode: 'test' });
    const mcpCall = (mcpId: string, key: CreatedKey, ip: string) =>
      mcpRequest(gateway.url, mcpId, key.secret, { 'x-forwarded-for': ip });
    for (let i = 0; i < 4; i++) expect((await mcpCall(liveMcp.id, worker, US_IP)).status).toBe(200);
    // Management and read calls are tracked, never billed.
    for (let i = 0; i < 2; i++) expect((await call('/v1/me', worker, { ip: US_IP })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await mcpCall(testMcp.id, tester, GERMAN_IP)).status).toBe(200);

    const keyUsage = await waitFor(async () => {
      const res = await call(
        `/v1/keys/${worker.key.id}/usage?granularity=minute&breakdown=country,status_class,mcp`,
        admin,
      );
      return res.status === 200 && res.body.data.total_requests === 6 ? res : null;
    });
    expect(keyUsage.body.data).toMatchObject({
      key_id: worker.key.id,
      billable_requests: 4,
      by_country: [{ country: 'US', requests: 6 }],
      by_status_class: { '2xx': 6, '3xx': 0, '4xx': 0, '5xx': 0 },
    });
    // One bucket per minute of the default hour, plus the current, partial minute.
    expect(keyUsage.body.data.series.length).toBeGreaterThanOrEqual(60);
    expect(keyUsage.body.data.series.length).toBeLessThanOrEqual(61);
    expect(keyUsage.body.data.series.reduce((n: number, b: { requests: number }) => n + b.requests, 0)).toBe(
      6,
    );

    const org = await waitFor(async () => {
      const res = await call('/v1/usage?granularity=hour', admin);
      return res.body.data?.total_requests >= 9 ? res : null;
    });
    const testUsage = await call(`/v1/keys/${tester.key.id}/usage`, admin);
    expect(testUsage.body.data).toMatchObject({ total_requests: 3, billable_requests: 0 });
    expect(org.body.data.billable_requests).toBe(4);
  });

  it('needs usage:read, and hides other organizations’ keys', async () => {
    const plain = await world.createKey(actorOf(admin));
    const denied = await call('/v1/usage', plain);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');

    const stranger = (await world.createOrg({ name: 'Stranger' })).admin_key;
    const foreign = await call(`/v1/keys/${admin.key.id}/usage`, stranger);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    const bad = await call('/v1/usage?granularity=week', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_error');
  });

  it('creates a webhook (secret once), raises new_location for a key used from Germany then the US, delivers it signed, and acknowledges it', async () => {
    const created = await call('/v1/webhooks', admin, {
      method: 'POST',
      body: { url: receiver.url, events: ['alert.new_location'] },
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.data.secret;
    expect(secret).toMatch(/^whsec_/);
    // Shown once: no cache may keep the answer.
    expect(created.headers.get('cache-control')).toBe('no-store');
    const listed = await call('/v1/webhooks', admin);
    expect(listed.body.data.map((w: { id: string }) => w.id)).toContain(created.body.data.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const traveller = await world.createKey(actorOf(admin));
    expect((await call('/v1/me', traveller, { ip: GERMAN_IP })).status).toBe(200);
    await waitFor(
      async () => (await call(`/v1/keys/${traveller.key.id}/usage`, admin)).body.data.total_requests === 1,
    );
    expect((await call('/v1/me', traveller, { ip: US_IP })).status).toBe(200);

    const alerts = await waitFor(async () => {
      const res = await call(`/v1/alerts?key_id=${traveller.key.id}`, admin);
      return res.body.data?.length ? res.body.data : null;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'new_location', status: 'open', details: { country: 'US' } });

    const delivery = await waitFor(() => receiver.received.find((r) => r.body.includes(alerts[0].id)));
    expect(verifyWebhook(secret, webhookHeadersOf(delivery.headers), delivery.body)).toBe(true);
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'alert.new_location',
      data: { id: alerts[0].id },
    });

    const acked = await call(`/v1/alerts/${alerts[0].id}/ack`, admin, { method: 'POST' });
    expect(acked.status).toBe(200);
    expect(acked.body.data.status).toBe('acknowledged');
    const open = await call(`/v1/alerts?status=open&key_id=${traveller.key.id}`, admin);
    expect(open.body.data).toHaveLength(0);

    const deliveries = await waitFor(async () => {
      const res = await call(`/v1/webhooks/${created.body.data.id}/deliveries`, admin);
      return res.body.data?.[0]?.status === 'succeeded' ? res.body.data : null;
    });
    expect(deliveries[0].attempts).toEqual([expect.objectContaining({ attempt: 1, status_code: 204 })]);

    const test = await call(`/v1/webhooks/${created.body.data.id}/test`, admin, { method: 'POST' });
    expect(test.status).toBe(202);
    await waitFor(() => receiver.received.find((r) => JSON.parse(r.body).type === 'webhook.test'));

    const deleted = await call(`/v1/webhooks/${created.body.data.id}`, admin, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await call(`/v1/webhooks/${created.body.data.id}/deliveries`, admin)).status).toBe(404);
  });

  it('needs the alerts and webhooks scopes', async () => {
    const reader = await world.createKey(actorOf(admin), { scopes: ['alerts:read', 'webhooks:read'] });
    expect((await call('/v1/alerts', reader)).status).toBe(200);
    expect((await call('/v1/webhooks', reader)).status).toBe(200);
    const post = await call('/v1/webhooks', reader, { method: 'POST', body: { url: receiver.url } });
    expect(post.status).toBe(403);
    expect((await call('/v1/alerts/alert_doesnotexist1/ack', reader, { method: 'POST' })).status).toBe(403);
    expect((await call('/v1/alerts/alert_doesnotexist1/ack', admin, { method: 'POST' })).status).toBe(404);
    const invalid = await call('/v1/webhooks', admin, { method: 'POST', body: { url: 'ftp://example.com' } });
    expect(invalid.status).toBe(400);
  });

  it('does not bill requests the gateway refuses for the usage limit', async () => {
    const limited = await world.createKey(actorOf(admin), { usage_limit: { requests: 2, period: 'day' } });
    const callMcp = () => mcpRequest(gateway.url, liveMcp.id, limited.secret);
    await waitFor(async () => (await callMcp()).status === 429, { timeoutMs: 15_000 });
    for (let i = 0; i < 3; i++) expect((await callMcp()).status).toBe(429);
    const res = await waitFor(async () => {
      const r = await call(`/v1/keys/${limited.key.id}/usage?breakdown=status_class`, admin);
      return r.body.data?.by_status_class['4xx'] >= 4 ? r : null;
    });
    expect(res.body.data.billable_requests).toBe(res.body.data.by_status_class['2xx']);
    expect(res.body.data.billable_requests).toBeLessThan(res.body.data.total_requests);
  });
});

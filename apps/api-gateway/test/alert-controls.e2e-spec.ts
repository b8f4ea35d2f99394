/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- HTTP bodies are JSON inspected field by field */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { type WebhookReceiver, waitFor } from '@plexmcp/service-kit/testing';
import type { GatewayHandle } from '../src/index.js';
import { alertingSuite } from './support/alerting-suite.js';
import { actorOf, http, type World } from './support/world.js';

const DAY = 86_400_000;

/**
 * Alert controls: `key_expiring` also for a key that is never used (once, with its webhook), and
 * an organization's own anomaly thresholds over REST, applied to its keys only.
 */
describe('alert controls', () => {
  const s = alertingSuite('expiry_unused', {
    events: ['alert.key_expiring'],
    usageEnv: { KEY_EXPIRY_SWEEP_MS: '200', ANOMALY_EVAL_MS: '100' },
  });
  let world: World;
  let gateway: GatewayHandle;
  let admin: CreatedKey;
  let receiver: WebhookReceiver;
  beforeAll(() => {
    ({ world, gateway, admin, receiver } = s);
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

  it('an organization sets its own thresholds over REST; they apply to its keys, not to others', async () => {
    const path = '/v1/alerts/thresholds';
    const initial = await http(gateway.url, path, { key: admin.secret });
    expect(initial.status).toBe(200);
    expect(initial.body.data).toMatchObject({ thresholds: { error_min_requests: 20 }, overrides: {} });
    const set = await http(gateway.url, path, {
      method: 'PUT',
      key: admin.secret,
      body: { error_min_requests: 3, error_min_rate: 0.5 },
    });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({
      thresholds: { error_min_requests: 3, error_min_rate: 0.5, error_baseline_factor: 5 },
      overrides: { error_min_requests: 3, error_min_rate: 0.5 },
    });
    const bad = await http(gateway.url, path, {
      method: 'PUT',
      key: admin.secret,
      body: { error_min_rate: 2 },
    });
    expect(bad.status).toBe(400);

    // An MCP whose upstream does not answer: every call is a 502, for this org's key and another's.
    const other = (await world.createOrg({ name: 'Other' })).admin_key;
    const failing = async (owner: CreatedKey) => {
      const mcp = await world.createMcp(actorOf(owner), { upstream_url: 'http://127.0.0.1:9/mcp' });
      const key = await world.createKey(actorOf(owner), { permissions: { mcps: [mcp.id] } });
      for (let i = 0; i < 4; i++) {
        const res = await http(gateway.url, `/v1/mcps/${mcp.id}/mcp`, {
          method: 'POST',
          key: key.secret,
          body: { jsonrpc: '2.0', id: i, method: 'ping' },
        });
        expect(res.status).toBe(502);
      }
      return key;
    };
    const mine = await failing(admin);
    const theirs = await failing(other);
    const spikes = await waitFor(
      async () => {
        const res = await http(gateway.url, `/v1/alerts?type=error_spike&key_id=${mine.key.id}`, {
          key: admin.secret,
        });
        return res.body.data?.length ? res.body.data : null;
      },
      { timeoutMs: 10_000 },
    );
    // Usage arrives as tally reports: the spike fires on the report that first holds the org's 3
    // (3 or all 4 of the failed calls, depending on where the report interval fell), far below the
    // default 20, and every request in its window was an error.
    expect(spikes[0]).toMatchObject({ type: 'error_spike' });
    const { window_requests: seen, window_errors: failed } = spikes[0].details as Record<string, number>;
    expect([3, 4]).toContain(seen);
    expect(failed).toBe(seen);
    // The other organization keeps the defaults (20 requests at least): nothing for its key.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const none = await http(gateway.url, `/v1/alerts?type=error_spike&key_id=${theirs.key.id}`, {
      key: other.secret,
    });
    expect(none.body.data).toHaveLength(0);

    const reset = await http(gateway.url, path, {
      method: 'PUT',
      key: admin.secret,
      body: { error_min_requests: null },
    });
    expect(reset.body.data).toMatchObject({
      thresholds: { error_min_requests: 20 },
      overrides: { error_min_rate: 0.5 },
    });
  });
});

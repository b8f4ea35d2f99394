import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CreatedWebhook,
  healthReplySchema,
  Subjects,
  UsageSubjects,
  type WebhookDeliveryView,
  webhookDeliveryPageSchema,
  webhookDeliveryViewSchema,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { waitFor } from '@plexmcp/service-kit/testing';
import type { UsageServiceHandle } from '../src/index.js';
import { newOrgId, type UsageBed, startUsageBed, createWebhook } from './support/fixtures.js';

const DEADLINE_MS = 3_000;

/** Waits until the service answers on NATS (its subscriptions reach the server after bootstrap). */
const answering = (rpc: NatsRpcClient) =>
  waitFor(
    () =>
      rpc.call(Subjects.usage.health, {}, healthReplySchema).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 10_000, message: 'usage.health' },
  );
const RETRY_MS = 1_000;

interface Request {
  headers: IncomingHttpHeaders;
  arrivedAt: number;
  /** When the connection went away (the dispatcher cut it), or null while it is open. */
  closedAt: number | null;
}

/**
 * A webhook receiver on a free local port. `drip` makes it answer 200 at once and then send one
 * byte every 100 ms for as long as the connection stays open: never idle, never finished.
 */
class Receiver {
  readonly requests: Request[] = [];
  open = 0;
  maxOpen = 0;
  private server: Server | null = null;
  private readonly drips = new Set<NodeJS.Timeout>();

  constructor(private readonly drip: boolean) {}

  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const entry: Request = { headers: req.headers, arrivedAt: Date.now(), closedAt: null };
      this.requests.push(entry);
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      res.on('close', () => {
        entry.closedAt = Date.now();
        this.open--;
      });
      req.resume();
      req.on('end', () => (this.drip ? this.startDrip(res) : res.writeHead(200).end('ok')));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hooks`;
  }

  private startDrip(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), 100);
    this.drips.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      this.drips.delete(timer);
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.drips) clearInterval(timer);
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

describe('webhook delivery: a total deadline per attempt, endpoints served independently', () => {
  let bed: UsageBed;
  let rpc: NatsRpcClient;
  const services: UsageServiceHandle[] = [];
  const dripping = new Receiver(true);
  const healthy = new Receiver(false);
  const slowOrg = { org_id: newOrgId(), key_id: null, ip: null };
  const otherOrg = { org_id: newOrgId(), key_id: null, ip: null };
  let slowHook: CreatedWebhook;
  let healthyHook: CreatedWebhook;

  const start = () =>
    bed.start({
      logLevel: 'warn',
      webhookAllowPrivateNetworks: true,
      env: {
        WEBHOOK_POLL_MS: '100',
        WEBHOOK_TIMEOUT_MS: String(DEADLINE_MS),
        WEBHOOK_RETRY_SCHEDULE_MS: `${RETRY_MS},${RETRY_MS},${RETRY_MS}`,
        WEBHOOK_RETRY_JITTER: '0',
      },
    });

  const deliveries = async (actor: typeof slowOrg, webhookId: string): Promise<WebhookDeliveryView[]> =>
    (
      await rpc.call(
        UsageSubjects.webhooks.deliveries,
        { actor, id: webhookId, page: { limit: 50 } },
        webhookDeliveryPageSchema,
      )
    ).items;

  beforeAll(async () => {
    bed = await startUsageBed('usage_webhook_delivery');
    rpc = bed.rpc;
    await dripping.start();
    await healthy.start();
    // Two instances on one database, as a scaled deployment runs them.
    services.push(await start(), await start());
    await answering(rpc);
    slowHook = await createWebhook(rpc, slowOrg, { url: dripping.url });
    healthyHook = await createWebhook(rpc, otherOrg, { url: healthy.url });
  });

  afterAll(async () => {
    await Promise.allSettled(services.map((s) => s.close()));
    await dripping.stop();
    await healthy.stop();
    await bed?.close();
  });

  it('refuses metadata endpoints even with private networks allowed', async () => {
    await expect(
      createWebhook(rpc, slowOrg, { url: 'http://169.254.169.254/latest/meta-data' }),
    ).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('cuts a dripping receiver at the deadline, retries it later, and meanwhile delivers to another organization at once', async () => {
    // Three deliveries queued for the dripping endpoint, then one for the healthy one.
    const queued: WebhookDeliveryView[] = [];
    for (let i = 0; i < 3; i++) {
      queued.push(
        await rpc.call(
          UsageSubjects.webhooks.test,
          { actor: slowOrg, id: slowHook.webhook.id },
          webhookDeliveryViewSchema,
        ),
      );
    }
    await waitFor(() => dripping.requests.length > 0, { message: 'the dripping receiver was called' });
    const slowFirst = dripping.requests[0]!;
    await rpc.call(
      UsageSubjects.webhooks.test,
      { actor: otherOrg, id: healthyHook.webhook.id },
      webhookDeliveryViewSchema,
    );

    // The healthy receiver gets its delivery while the dripping one is still being held.
    const fine = await waitFor(() => healthy.requests[0], { message: 'the healthy delivery' });
    expect(slowFirst.closedAt).toBeNull();
    expect(fine.arrivedAt - slowFirst.arrivedAt).toBeLessThan(DEADLINE_MS);
    const succeeded = await waitFor(async () => {
      const [delivery] = await deliveries(otherOrg, healthyHook.webhook.id);
      return delivery?.status === 'succeeded' ? delivery : null;
    });
    expect(succeeded.attempts).toHaveLength(1);
    expect(succeeded.attempts[0]!.status_code).toBe(200);

    // The dripping attempt is cut at the deadline, although bytes kept coming.
    await waitFor(() => slowFirst.closedAt !== null, { timeoutMs: DEADLINE_MS * 4, message: 'the cut' });
    const heldMs = slowFirst.closedAt! - slowFirst.arrivedAt;
    expect(heldMs).toBeGreaterThanOrEqual(DEADLINE_MS - 200);
    expect(heldMs).toBeLessThan(DEADLINE_MS * 3);

    const firstId = slowFirst.headers['webhook-id'];
    const attempted = async () =>
      (await deliveries(slowOrg, slowHook.webhook.id)).find((d) => d.id === firstId);
    await waitFor(async () => ((await attempted())?.attempts.length ?? 0) >= 1);
    // Read again: a delivery and its attempts are two reads, and the first may predate the record.
    const failed = (await attempted())!;
    expect(failed.status).toBe('pending');
    expect(failed.attempts[0]).toMatchObject({ attempt: 1, status_code: null });
    expect(failed.attempts[0]!.error).toMatch(/timed out/);
    expect(failed.attempts[0]!.duration_ms).toBeGreaterThanOrEqual(DEADLINE_MS - 200);
    expect(Date.parse(failed.next_attempt_at!)).toBeGreaterThanOrEqual(
      Date.parse(failed.attempts[0]!.attempted_at) + RETRY_MS,
    );

    // Retried per the backoff schedule: the same delivery comes again, not before its retry delay.
    const retried = await waitFor(
      () => dripping.requests.find((r, i) => i > 0 && r.headers['webhook-id'] === firstId),
      { timeoutMs: DEADLINE_MS * 10, message: 'the retry' },
    );
    expect(retried.arrivedAt - slowFirst.closedAt!).toBeGreaterThanOrEqual(RETRY_MS - 200);

    // Every delivery queued for the endpoint was attempted, one at a time across both instances.
    await waitFor(
      () => new Set(dripping.requests.map((r) => r.headers['webhook-id'])).size === queued.length,
      { timeoutMs: DEADLINE_MS * 10, message: 'every queued delivery attempted' },
    );
    expect(dripping.maxOpen).toBe(1);
  });
});

describe('webhook endpoints: where deliveries may go', () => {
  let bed: UsageBed;
  let rpc: NatsRpcClient;
  let service: UsageServiceHandle;
  const actor = { org_id: newOrgId(), key_id: null, ip: null };

  beforeAll(async () => {
    bed = await startUsageBed('usage_webhook_targets');
    rpc = bed.rpc;
    service = await bed.start();
    await answering(rpc);
  });

  afterAll(async () => {
    await service?.close();
    await bed?.close();
  });

  const create = (url: string) => createWebhook(rpc, actor, { url });

  it('refuses private and loopback endpoints, in any spelling, naming the setting that allows them', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://[::1]/hooks',
      'http://[::127.0.0.1]/hooks',
      'http://[::7f00:1]/hooks',
      'http://0x7f000001/hooks',
      'http://2130706433/hooks',
      'http://localhost/hooks',
      'http://10.0.0.1/hooks',
    ]) {
      await expect(create(url)).rejects.toMatchObject({
        code: 'validation_error',
        details: [{ field: 'url', message: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE_NETWORKS') }],
      });
    }
  });

  it('refuses link-local and metadata endpoints', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/',
    ]) {
      await expect(create(url)).rejects.toMatchObject({
        code: 'validation_error',
        details: [{ field: 'url', message: 'must not point to a link-local or cloud metadata address' }],
      });
    }
  });
});

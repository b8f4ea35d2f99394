// The chaos suite: two gateways, two key-services and two usage-services (built dist, child
// processes) on a 3-node NATS cluster and a private Postgres, under steady REST and MCP traffic,
// while a NATS node, a key-service, a usage-service and a gateway are SIGKILLed and Postgres is
// restarted. CHAOS_DURATION_S sets the traffic phase (CI default 40 s; `pnpm --filter
// @plexmcp/chaos run soak` runs 600 s, repeating the faults every 40 s). Needs Redis on
// 127.0.0.1:6379 (per-key rate limits shared by the gateways, under a prefix of the run's own).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type CreatedKey, Subjects, createdOrgSchema } from '@plexmcp/contracts';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  WebhookReceiver,
  freePort,
  serviceNodeFlags,
  testEncryptionKeys,
  waitFor,
} from '@plexmcp/service-kit/testing';
import { startUpstreamMcp, type UpstreamMcp } from '@plexmcp/upstream-mcp';
import {
  type NatsCluster,
  type PrivatePostgres,
  type Sample,
  ServiceProcess,
  type Target,
  call,
  driveTraffic,
  repoRoot,
  startFailingUpstream,
  startNatsCluster,
  startPrivatePostgres,
  table,
} from '../src/index.js';

const DURATION_MS = Number(process.env.CHAOS_DURATION_S ?? 40) * 1_000;
/** One round of faults; the soak repeats it. */
const CYCLE_MS = 40_000;
const HEARTBEAT_INTERVAL_MS = 500;
/** The gateways' heartbeat TTL: how long a stalled gateway may still trust its cache (and a revoke waits for it). */
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** A killed process is started again this long after. */
const RESTART_AFTER_MS = 4_000;
/** Every 5xx must fall this long after a fault at most (documented in README → Chaos suite). */
const FAULT_WINDOW_MS = 10_000;
/** How often the gateways publish their usage tallies (the gateway's default). */
const USAGE_REPORT_INTERVAL_MS = 250;
/**
 * A gateway killed with SIGKILL loses the usage of answers it sent within its open reporting
 * interval, plus a report published but not yet acknowledged (a few ms normally; the rest of this
 * allowance covers a loaded machine). Documented in apps/api-gateway/README.md (Usage reporting).
 */
const GATEWAY_LOSS_WINDOW_MS = USAGE_REPORT_INTERVAL_MS + 750;

// Start-up (~20 s on a busy 2-core machine), the SIGSTOP test, the traffic and the settling.
jest.setTimeout(180_000 + DURATION_MS * 2);

interface Json {
  status: number;
  body: { data?: Record<string, unknown>; error?: { code: string } };
}

async function rest(base: string, method: string, path: string, key: string, body?: unknown): Promise<Json> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json['body']) : {} };
}

interface Fault {
  name: string;
  at: number;
}

describe('chaos: replicas under kills and restarts', () => {
  let nats: NatsCluster;
  let postgres: PrivatePostgres;
  let upstream: UpstreamMcp;
  let failing: { url: string; close(): Promise<void> };
  let receiver: WebhookReceiver;
  let nc: NatsConnection;
  const gateways: ServiceProcess[] = [];
  const keyServices: ServiceProcess[] = [];
  const usageServices: ServiceProcess[] = [];
  let admin: CreatedKey;
  const figures: [string, string | number][] = [];

  const adminCall = async (method: string, path: string, body?: unknown): Promise<Json> => {
    for (const gw of gateways) {
      if (!gw.running) continue;
      try {
        return await rest(gw.url!, method, path, admin.secret, body);
      } catch {
        // this gateway is down: the other one
      }
    }
    throw new Error(`no gateway answered ${method} ${path}`);
  };

  const createKey = async (body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> => {
    const res = await adminCall('POST', '/v1/keys', { name: 'Chaos', ...body });
    expect(res.status).toBe(201);
    return res.body.data as unknown as { id: string; secret: string };
  };

  beforeAll(async () => {
    [nats, postgres, upstream, failing, receiver] = await Promise.all([
      startNatsCluster(),
      startPrivatePostgres(),
      startUpstreamMcp({ json: true }),
      startFailingUpstream(),
      WebhookReceiver.start({ status: 200 }),
    ]);
    await nats.createUsageStream(3);
    const common = {
      NATS_URL: nats.url,
      DATABASE_URL: postgres.url,
      PLEXMCP_ENCRYPTION_KEYS: testEncryptionKeys(),
      LOG_LEVEL: 'info',
      USAGE_STREAM_REPLICAS: '3',
    };
    // Per-key rate limits shared by both gateways, under a prefix of this run's own.
    const redisPrefix = `plexmcp-chaos-${randomBytes(6).toString('hex')}:`;
    for (let i = 1; i <= 2; i++) {
      keyServices.push(
        new ServiceProcess(`key-service-${i}`, 'key-service', {
          ...common,
          MCP_UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
        }),
      );
      usageServices.push(
        new ServiceProcess(`usage-service-${i}`, 'usage-service', {
          ...common,
          WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
          WEBHOOK_POLL_MS: '200',
          INGEST_ACK_WAIT_MS: '5000',
          ANOMALY_EVAL_MS: '500',
          ANOMALY_ERROR_MIN_REQUESTS: '5',
          LIMITS_SWEEP_MS: '1000',
          ROLLUP_INTERVAL_MS: '2000',
        }),
      );
    }
    // Key-services first: both run migrations under one lock; then the rest, two at a time.
    await keyServices[0]!.start();
    await Promise.all([keyServices[1]!.start(), usageServices[0]!.start()]);
    await usageServices[1]!.start();
    const sessionSecret = randomBytes(32).toString('base64url');
    for (let i = 1; i <= 2; i++) {
      const port = await freePort();
      gateways.push(
        new ServiceProcess(
          `api-gateway-${i}`,
          'api-gateway',
          {
            ...common,
            LOG_LEVEL: 'warn',
            PORT: String(port),
            HOST: '127.0.0.1',
            HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
            USAGE_REPORT_INTERVAL_MS: String(USAGE_REPORT_INTERVAL_MS),
            NATS_OUTAGE_CACHE_GRACE_MS: String(HEARTBEAT_TTL_MS),
            SESSION_SECRET: sessionSecret,
            MCP_UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
            AUTH_FAILURES_PER_MINUTE: '1000000',
            REDIS_URL: 'redis://127.0.0.1:6379',
            REDIS_KEY_PREFIX: redisPrefix,
          },
          `http://127.0.0.1:${port}`,
        ),
      );
    }
    await Promise.all(gateways.map((g) => g.start()));
    nc = await connectNats(nats.url, 'chaos-suite');
    const org = await new NatsRpcClient(nc, 10_000).call(
      Subjects.orgs.create,
      { name: 'Chaos' },
      createdOrgSchema,
    );
    admin = org.admin_key;
  }, 180_000);

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await Promise.all(
      [...gateways, ...usageServices, ...keyServices].map((s) => s.stop().catch(() => undefined)),
    );
    await Promise.all([
      nats?.stop(),
      postgres?.stop(),
      upstream?.close(),
      failing?.close(),
      receiver?.stop(),
    ]);
    process.stdout.write(`\n${table('chaos figures', figures)}\n`);
  }, 60_000);

  it('runs every service as it ships: with its package.json Node flags', () => {
    for (const service of [...gateways, ...usageServices, ...keyServices]) {
      const argv = readFileSync(`/proc/${service.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const manifest = path.join(repoRoot, 'apps', service.kind, 'package.json');
      expect(argv.slice(1)).toEqual([...serviceNodeFlags(manifest), 'dist/main.js']);
    }
    expect(gateways[0]!.kind).toBe('api-gateway');
  });

  it('a revoke does not succeed while a stalled gateway may still trust its cache; thawed, it refuses the key', async () => {
    const [gw1, gw2] = gateways as [ServiceProcess, ServiceProcess];
    const victim = await createKey();
    // Both gateways have the key's decision cached.
    expect((await rest(gw1.url!, 'GET', '/v1/me', victim.secret)).status).toBe(200);
    expect((await rest(gw2.url!, 'GET', '/v1/me', victim.secret)).status).toBe(200);

    gw2.freeze();
    const frozenAt = Date.now();
    try {
      const revoked = await rest(gw1.url!, 'DELETE', `/v1/keys/${victim.id}`, admin.secret);
      const revokedAt = Date.now();
      expect(revoked.status).toBe(200);
      const waited = revokedAt - frozenAt;
      figures.push(['SIGSTOP: revoke waited for the stalled gateway (ms)', waited]);
      // Its last answered heartbeat was sent at most one interval before it froze.
      expect(waited).toBeGreaterThanOrEqual(HEARTBEAT_TTL_MS - HEARTBEAT_INTERVAL_MS);
      expect((await rest(gw1.url!, 'GET', '/v1/me', victim.secret)).status).toBe(401);
    } finally {
      gw2.thaw();
    }
    const thawed = await rest(gw2.url!, 'GET', '/v1/me', victim.secret);
    figures.push(['SIGSTOP: stalled gateway after SIGCONT answered', thawed.status]);
    expect(thawed.status).toBe(401);
  });

  it('counts every 2xx once, never accepts a revoked key, holds a 1/s key to one success a second across gateways, raises and delivers an alert once, keeps 5xx inside the fault windows', async () => {
    const [gw1] = gateways as [ServiceProcess, ServiceProcess];
    const gatewayUrls = gateways.map((g) => g.url!);
    const mcp = await adminCall('POST', '/v1/mcps', {
      name: 'Echo',
      mode: 'live',
      upstream_url: upstream.url,
    });
    expect(mcp.status).toBe(201);
    const brokenMcp = await adminCall('POST', '/v1/mcps', {
      name: 'Broken',
      mode: 'live',
      upstream_url: failing.url,
    });
    const hook = await adminCall('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['alert.error_spike'],
    });
    expect(hook.status).toBe(201);
    const counted = await createKey();
    const victim = await createKey();
    const alerting = await createKey();
    const limited = await createKey({ rate_limit: { requests_per_second: 1, burst: 1 } });

    // An error spike (every call of this key fails upstream): one alert, one webhook delivery.
    const brokenTarget: Target = {
      gateways: gatewayUrls,
      key: alerting.secret,
      mcpId: String(brokenMcp.body.data!.id),
    };
    for (let i = 0; i < 8; i++) await call(brokenTarget, i % 2, 'mcp', 'counted');

    const countedTarget: Target = {
      gateways: gatewayUrls,
      key: counted.secret,
      mcpId: String(mcp.body.data!.id),
    };
    const victimTarget: Target = { ...countedTarget, key: victim.secret };
    const limitedTarget: Target = { ...countedTarget, key: limited.secret };
    const samples: Sample[] = [];
    const faults: Fault[] = [];
    let revokeReturnedAt = Number.POSITIVE_INFINITY;
    const gatewayKills: number[] = [];
    const startedAt = Date.now();
    let aborted = false;
    const done = (): boolean => aborted || Date.now() - startedAt >= DURATION_MS;

    const at = (ms: number): Promise<void> =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + ms - Date.now())));
    const fault = (name: string): void => {
      faults.push({ name, at: Date.now() });
    };
    const crash = async (name: string, target: ServiceProcess): Promise<void> => {
      fault(name);
      await target.kill();
      await new Promise((resolve) => setTimeout(resolve, RESTART_AFTER_MS));
      await target.start();
    };

    const chaos = async (): Promise<void> => {
      for (let cycle = 0; cycle === 0 || (cycle + 1) * CYCLE_MS <= DURATION_MS; cycle++) {
        const base = cycle * CYCLE_MS;
        const scale = Math.min(DURATION_MS, CYCLE_MS) / CYCLE_MS;
        await at(base + 4_000 * scale);
        fault('NATS node 3 SIGKILL');
        await nats.kill(2);
        await new Promise((resolve) => setTimeout(resolve, RESTART_AFTER_MS));
        nats.start(2);
        await at(base + 10_000 * scale);
        await crash('key-service 1 SIGKILL', keyServices[0]!);
        if (cycle === 0) {
          await at(base + 15_000 * scale);
          for (;;) {
            const res = await rest(gw1.url!, 'DELETE', `/v1/keys/${victim.id}`, admin.secret).catch(
              () => null,
            );
            if (res?.status === 200) break;
          }
          revokeReturnedAt = Date.now();
        }
        await at(base + 18_000 * scale);
        await crash('usage-service 1 SIGKILL', usageServices[0]!);
        await at(base + 25_000 * scale);
        gatewayKills.push(Date.now());
        await crash('gateway 2 SIGKILL', gateways[1]!);
        await at(base + 32_000 * scale);
        fault('Postgres restart');
        await postgres.restart(1_000);
      }
    };

    await Promise.all([
      chaos().catch((err: unknown) => {
        aborted = true;
        throw err;
      }),
      driveTraffic(countedTarget, 'counted', { workers: 3, pauseMs: 20, until: done }, samples),
      driveTraffic(victimTarget, 'victim', { workers: 1, pauseMs: 20, until: done }, samples),
      // Both gateways at once (one worker starts on each), ~20 calls per second in all.
      driveTraffic(limitedTarget, 'limited', { workers: 2, pauseMs: 100, until: done }, samples),
    ]);
    const trafficMs = Date.now() - startedAt;

    // 1. Every 2xx counted once. Exception, measured: a gateway killed with SIGKILL loses the request
    // events it had not yet published (answers it sent in its last moments), and a request it had
    // answered while the connection broke is counted although the client saw no answer.
    const countedSamples = samples.filter((s) => s.stream === 'counted');
    const client2xx = countedSamples.filter((s) => s.status >= 200 && s.status < 300).length;
    const lostAtKill = countedSamples.filter(
      (s) =>
        s.status >= 200 &&
        s.status < 300 &&
        s.gateway === 1 &&
        !s.retried &&
        gatewayKills.some((at) => s.endedAt <= at && s.endedAt > at - GATEWAY_LOSS_WINDOW_MS),
    ).length;
    const inFlightAtKill = countedSamples.filter(
      (s) => s.retried && gatewayKills.some((at) => s.startedAt <= at && s.endedAt >= at),
    ).length;
    let usage2xx = -1;
    let stableSince = Date.now();
    await waitFor(
      async () => {
        const res = await adminCall(
          'GET',
          `/v1/keys/${counted.id}/usage?granularity=minute&breakdown=status_class`,
        );
        const seen = Number(
          (res.body.data?.by_status_class as Record<string, number> | undefined)?.['2xx'] ?? -1,
        );
        if (seen !== usage2xx) {
          usage2xx = seen;
          stableSince = Date.now();
        }
        return usage2xx >= client2xx - lostAtKill && Date.now() - stableSince >= 8_000;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, message: 'usage to settle' },
    );

    // 2. No request with the victim key accepted once its revoke returned.
    const acceptedAfterRevoke = samples.filter(
      (s) => s.stream === 'victim' && s.startedAt > revokeReturnedAt && s.status >= 200 && s.status < 300,
    ).length;

    // 3. The 1-per-second key: a success opens a 1 s window (counted in Redis, shared by both
    // gateways), so n successes need at least n - 1 seconds between the first start and the last end.
    const limitedOk = samples
      .filter((s) => s.stream === 'limited' && s.status >= 200 && s.status < 300)
      .sort((a, b) => a.startedAt - b.startedAt);
    const limitedSpanMs =
      limitedOk.length === 0 ? 0 : Math.max(...limitedOk.map((s) => s.endedAt)) - limitedOk[0]!.startedAt;
    const limitedAllowed = Math.floor(limitedSpanMs / 1_000) + 1;

    // 4. One alert, delivered once.
    const alerts = await adminCall('GET', `/v1/alerts?type=error_spike&key_id=${alerting.id}`);
    const alertItems = (alerts.body.data as unknown as { id: string }[] | undefined) ?? [];
    const deliveries = receiver
      .ofType('alert.error_spike')
      .map((r) => (JSON.parse(r.body) as { data: { id: string } }).data);

    // 5. Every 5xx (or no answer from either gateway) within FAULT_WINDOW_MS after a fault.
    const failures = samples.filter((s) => s.status >= 500 || s.status === 0);
    const outside = failures.filter(
      (s) => !faults.some((f) => s.endedAt >= f.at && s.startedAt <= f.at + FAULT_WINDOW_MS),
    );
    const perFault = new Map<string, { count: number; lastMs: number }>();
    for (const s of failures) {
      const f = [...faults].reverse().find((x) => x.at <= s.endedAt);
      if (!f) continue;
      const entry = perFault.get(f.name) ?? { count: 0, lastMs: 0 };
      entry.count += 1;
      entry.lastMs = Math.max(entry.lastMs, s.endedAt - f.at);
      perFault.set(f.name, entry);
    }

    figures.push(
      ['traffic phase (s)', (trafficMs / 1000).toFixed(1)],
      ['requests made (counted key)', countedSamples.length],
      ['client saw 2xx (counted key)', client2xx],
      ['usage API 2xx (counted key)', usage2xx],
      ['  difference (usage − client)', usage2xx - client2xx],
      [`  allowed: lost in gateway kill (2xx ≤ ${GATEWAY_LOSS_WINDOW_MS} ms before)`, lostAtKill],
      ['  allowed: in flight at gateway kill', inFlightAtKill],
      ['retried on the other gateway', samples.filter((s) => s.retried).length],
      [
        'victim requests after revoke returned',
        samples.filter((s) => s.stream === 'victim' && s.startedAt > revokeReturnedAt).length,
      ],
      ['  of which accepted', acceptedAfterRevoke],
      ['error_spike alerts raised', alertItems.length],
      ['alert webhooks received', deliveries.length],
      ['5xx / no answer, total', failures.length],
      ['  outside the fault windows', outside.length],
      ...[...perFault].map(([name, v]): [string, string] => [
        `  after ${name}`,
        `${v.count} (last ${v.lastMs} ms after)`,
      ]),
      ['1/s key: requests through both gateways', samples.filter((s) => s.stream === 'limited').length],
      ['  2xx', limitedOk.length],
      ['  at most (one per second of the span)', limitedAllowed],
    );

    expect(usage2xx).toBeGreaterThanOrEqual(client2xx - lostAtKill);
    expect(usage2xx).toBeLessThanOrEqual(client2xx + inFlightAtKill);
    expect(acceptedAfterRevoke).toBe(0);
    expect(limitedOk.length).toBeGreaterThan(0);
    expect(limitedOk.length).toBeLessThanOrEqual(limitedAllowed);
    expect(alertItems).toHaveLength(1);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.id).toBe(alertItems[0]!.id);
    expect(outside).toEqual([]);
  });
});

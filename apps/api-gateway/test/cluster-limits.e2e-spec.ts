/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { waitFor } from '@plexmcp/service-kit/testing';
import { parseList } from 'structured-headers';
import type { GatewayHandle } from '../src/index.js';
import { SHARED_REDIS_URL, type IsolatedRedis, startIsolatedRedis } from './support/isolated-redis.js';
import { actorOf, http, startWorld, type World } from './support/world.js';

const ONE_PER_SECOND = { requests_per_second: 1, burst: 1 };
/**
 * Generous on purpose: on a busy test machine a 100 ms stall would hand a request to the in-memory
 * fallback and blur what these tests check (the outage test below cuts the connection instead).
 */
const COMMAND_TIMEOUT_MS = '1000';

interface Answer {
  status: number;
  gateway: number;
}

/** Sends GET /v1/me with `secret` through every gateway, two clients each, for `ms`. */
async function hammer(gateways: GatewayHandle[], secret: string, ms: number) {
  const answers: Answer[] = [];
  const started = Date.now();
  await Promise.all(
    [...gateways, ...gateways].map(async (gateway) => {
      while (Date.now() - started < ms) {
        const res = await http(gateway.url, '/v1/me', { key: secret });
        answers.push({ status: res.status, gateway: gateways.indexOf(gateway) });
      }
    }),
  );
  return { answers, elapsedMs: Date.now() - started };
}

/** A fixed one-second window lets one request through, so at most one per started second. */
const mostAllowedIn = (elapsedMs: number) => Math.floor(elapsedMs / 1000) + 1;
const successes = (answers: Answer[], gateway?: number) =>
  answers.filter((a) => a.status === 200 && (gateway === undefined || a.gateway === gateway)).length;

function items(field: string | null): [unknown, Record<string, unknown>][] {
  return parseList(field ?? '').map(([value, params]) => [value, Object.fromEntries(params)]);
}

describe('limits shared by every gateway through Redis (REDIS_URL)', () => {
  let world: World;
  let admin: CreatedKey;
  let gateways: GatewayHandle[];

  beforeAll(async () => {
    world = await startWorld('cluster_limits');
    admin = (await world.createOrg()).admin_key;
    // Two gateways on one key-service and the machine's Redis, under a prefix of this run.
    const shared = {
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_KEY_PREFIX: `plexmcp-test:${randomUUID()}:`,
      REDIS_COMMAND_TIMEOUT_MS: COMMAND_TIMEOUT_MS,
      AUTH_FAILURES_PER_MINUTE: '5',
      TRUSTED_PROXIES: '127.0.0.1/32',
    };
    gateways = [await world.startGateway(shared), await world.startGateway(shared)];
  });
  afterAll(async () => world.close());

  it('a key limited to 1 request/second hammered through two gateways gets at most one success per second in total', async () => {
    const limited = await world.createKey(actorOf(admin), { rate_limit: ONE_PER_SECOND });
    const { answers, elapsedMs } = await hammer(gateways, limited.secret, 2_500);

    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    expect(successes(answers)).toBeGreaterThanOrEqual(2);
    expect(successes(answers)).toBeLessThanOrEqual(mostAllowedIn(elapsedMs));
    // Both gateways refused some: each one counted the other's requests.
    expect(answers.some((a) => a.status === 429 && a.gateway === 0)).toBe(true);
    expect(answers.some((a) => a.status === 429 && a.gateway === 1)).toBe(true);
  });

  it('RateLimit and RateLimit-Policy count one quota across gateways, burst included, and parse as structured fields', async () => {
    const limited = await world.createKey(actorOf(admin), {
      rate_limit: { requests_per_second: 2, burst: 3 },
    });
    const [a, b] = gateways as [GatewayHandle, GatewayHandle];
    // Both gateways validate (and cache) the key, then a fresh one-second window begins.
    for (const gateway of [b, a])
      expect((await http(gateway.url, '/v1/me', { key: limited.secret })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const sequence = [];
    for (const gateway of [a, b, a, b])
      sequence.push(await http(gateway.url, '/v1/me', { key: limited.secret }));

    expect(sequence.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    for (const res of sequence) {
      expect(items(res.headers.get('ratelimit-policy'))).toEqual([
        ['default', { q: 2, w: 1 }],
        ['burst', { q: 1, w: 60 }],
      ]);
    }
    expect(items(sequence[0]!.headers.get('ratelimit'))).toEqual([['default', { r: 1, t: 1 }]]);
    expect(items(sequence[1]!.headers.get('ratelimit'))).toEqual([['default', { r: 0, t: 1 }]]);
    // The third request of the second borrows the burst's only extra request.
    expect(items(sequence[2]!.headers.get('ratelimit'))).toEqual([
      ['default', { r: 0, t: 1 }],
      ['burst', { r: 0, t: 60 }],
    ]);
    const refused = sequence[3]!;
    expect(refused.body.error.code).toBe('rate_limited');
    const [defaultItem, burstItem] = items(refused.headers.get('ratelimit'));
    expect(defaultItem).toEqual(['default', { r: 0, t: 1 }]);
    expect(burstItem?.[0]).toBe('burst');
    expect(burstItem?.[1].r).toBe(0);
    // The next second's quota is what lets a request through again.
    expect(refused.headers.get('retry-after')).toBe('1');
  });

  it('the failed-authentication throttle adds up failures on every gateway and blocks the IP on all of them', async () => {
    const ip = '198.51.100.77';
    const bad = 'pk_live_' + 'B'.repeat(38);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const gateway = gateways[i % 2]!;
      statuses.push(
        (await http(gateway.url, '/v1/me', { key: bad, headers: { 'x-forwarded-for': ip } })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // 3 failures on one gateway, 2 on the other, 5 in all: both refuse that IP now, valid key included.
    for (const gateway of gateways) {
      const blocked = await waitFor(
        async () => {
          const res = await http(gateway.url, '/v1/me', {
            key: admin.secret,
            headers: { 'x-forwarded-for': ip },
          });
          return res.status === 429 ? res : null;
        },
        { timeoutMs: 3_000, message: `gateway ${gateway.url} blocking ${ip}` },
      );
      expect(blocked.body.error.code).toBe('rate_limited');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const other = await http(gateways[1]!.url, '/v1/me', {
      key: admin.secret,
      headers: { 'x-forwarded-for': '198.51.100.78' },
    });
    expect(other.status).toBe(200);
  });
});

describe('Redis unreachable: limits degrade to per gateway, never off, never 5xx; then shared again', () => {
  let world: World;
  let admin: CreatedKey;
  let redis: IsolatedRedis;
  let gateways: GatewayHandle[];

  beforeAll(async () => {
    world = await startWorld('cluster_limits_outage');
    admin = (await world.createOrg()).admin_key;
    redis = await startIsolatedRedis();
    const env = { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: COMMAND_TIMEOUT_MS };
    gateways = [await world.startGateway(env), await world.startGateway(env)];
  });
  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  });

  /** True when a new key's first request through gateway 0 leaves gateway 1 nothing in that second. */
  const countedTogether = async (): Promise<boolean> => {
    const key = await world.createKey(actorOf(admin), { rate_limit: ONE_PER_SECOND });
    const first = await http(gateways[0]!.url, '/v1/me', { key: key.secret });
    const second = await http(gateways[1]!.url, '/v1/me', { key: key.secret });
    return first.status === 200 && second.status === 429;
  };

  it('keeps answering with per-instance limits while Redis is down, and shares them again once it is back', async () => {
    expect(await countedTogether()).toBe(true);
    const limited = await world.createKey(actorOf(admin), { rate_limit: ONE_PER_SECOND });
    for (const gateway of gateways) await http(gateway.url, '/v1/me', { key: admin.secret }); // warm

    await redis.kill();
    const { answers, elapsedMs } = await hammer(gateways, limited.secret, 2_200);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    // Each gateway enforces the limit on its own traffic: some refused on each, at most one per second each.
    for (const gateway of [0, 1]) {
      expect(answers.some((a) => a.gateway === gateway && a.status === 429)).toBe(true);
      expect(successes(answers, gateway)).toBeGreaterThanOrEqual(1);
      expect(successes(answers, gateway)).toBeLessThanOrEqual(mostAllowedIn(elapsedMs));
    }
    // Counted apart: a fresh key passes once on each gateway in the same second.
    expect(await countedTogether()).toBe(false);

    await redis.restart();
    const restartedAt = Date.now();
    await waitFor(countedTogether, { timeoutMs: 10_000, intervalMs: 100, message: 'limits shared again' });
    expect(Date.now() - restartedAt).toBeLessThan(5_000);
    // And the counters are in the restarted Redis.
    expect((await redis.client.keys('plexmcp:rps:1:1:*')).length).toBeGreaterThan(0);
  });
});

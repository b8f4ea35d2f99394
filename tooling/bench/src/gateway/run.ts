import {
  type Actor,
  Subjects,
  apiKeyViewSchema,
  createdKeySchema,
  createdOrgSchema,
  mcpViewSchema,
} from '@plexmcp/contracts';
import { bootstrap as bootstrapKeyService } from '@plexmcp/key-service';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsRpcClient, connectNats, ensureUsageStream } from '@plexmcp/service-kit';
import { Pool } from 'undici';
import {
  MCP_POST_HEADERS,
  RPC_PING_BODY,
  benchNumber,
  median,
  percentile,
  startBenchInfra,
} from '../bench-helpers.js';
import {
  type LoadResult,
  ServerGroup,
  type ServerProcess,
  benchGatewayEnv,
  latency,
  load,
} from './measure.js';

/**
 * `pnpm bench`: the gateway against baselines measured in the same run (compare the ratios,
 * not absolute numbers: the machine's load varies between runs). Real NATS (private nats-server), real key-service, real Postgres; every
 * HTTP server runs in its own process. Not part of CI.
 */
const DURATION = benchNumber('BENCH_DURATION_S', 5);
const ROUNDS = benchNumber('BENCH_ROUNDS', 3);
const CONNECTIONS = 50;
/**
 * `BENCH_ONLY=a,c` runs only those cases; (e) needs a Redis and (t), per-tool permissions, runs
 * only when asked for.
 */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'a,b,c,d').split(','));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const fmt = (r: LoadResult): string =>
  `${Math.round(r.rps).toString().padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms${r.non2xx + r.errors > 0 ? `  (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`;

async function main(): Promise<void> {
  const infra = await startBenchInfra('gw_bench');
  const keyService = await bootstrapKeyService({
    ...infra.serviceOptions,
    // The benchmark's upstreams listen on loopback.
    mcpUpstreamAllowedNetworks: ['127.0.0.0/8'],
  });
  const nc = await connectNats(infra.natsUrl, 'bench');
  // In a deployment the usage-service creates the USAGE stream; the gateways only publish to it.
  // Without it every request event is refused and retried, which the gateway would pay for here.
  await ensureUsageStream(await jetstreamManager(nc));
  const rpc = new NatsRpcClient(nc, 5_000);
  const servers = new ServerGroup();
  const start = (kind: string, options: unknown = {}): Promise<ServerProcess> => servers.start(kind, options);
  const gatewayEnv = benchGatewayEnv(infra.natsUrl);

  try {
    const org = await rpc.call(Subjects.orgs.create, { name: 'Bench' }, createdOrgSchema);
    const admin = org.admin_key;
    const actor: Actor = { org_id: admin.key.organization_id, key_id: admin.key.id, ip: null };
    const upstream = await start('upstream');
    const mcp = await rpc.call(
      Subjects.mcps.create,
      { actor, body: { name: 'Trivial', upstream_url: upstream.url } },
      mcpViewSchema,
    );
    const gateway = await start('gateway', gatewayEnv);
    const auth = { authorization: `Bearer ${admin.secret}` };

    // ---- (a) GET /v1/me with a cached key vs bare Fastify answering the same JSON ----------
    const meBody: unknown = await (await fetch(`${gateway.url}/v1/me`, { headers: auth })).json();
    const bare = await start('bare-fastify', { body: meBody });
    if (ONLY.has('a')) {
      log(
        `\n(a) GET /v1/me, cached key, ${CONNECTIONS} connections, ${DURATION} s x ${ROUNDS} rounds (interleaved)`,
      );
      const a = { gateway: [] as LoadResult[], bare: [] as LoadResult[] };
      for (let round = 0; round < ROUNDS; round++) {
        const g = await load({
          url: `${gateway.url}/v1/me`,
          headers: auth,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        const b = await load({
          url: `${bare.url}/v1/me`,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        a.gateway.push(g);
        a.bare.push(b);
        log(`  round ${round + 1}: gateway ${fmt(g)} | bare fastify ${fmt(b)}`);
      }
      const aRatio = median(a.gateway.map((g) => g.rps)) / median(a.bare.map((b) => b.rps));
      const aP99 = median(a.gateway.map((g) => g.p99));
      log(
        `  => gateway/bare req/s ${(aRatio * 100).toFixed(0)}% (target >= 60%), gateway p99 ${aP99} ms (target < 5 ms)`,
      );
    }
    if (ONLY.has('t')) {
      // ---- (t) per-tool permissions: the same tools/call, key without vs with a tool list ----
      const limited = await rpc.call(
        Subjects.keys.create,
        {
          actor,
          body: { name: 'tools', permissions: { mcps: [mcp.id], tools: { [mcp.id]: ['echo'] } } },
        },
        createdKeySchema,
      );
      const call = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'x'.repeat(200) } },
      });
      const headers = MCP_POST_HEADERS;
      const url = `${gateway.url}/v1/mcps/${mcp.id}/mcp`;
      log(`\n(t) tools/call through the gateway, ${CONNECTIONS} connections: no tool list vs a tool list`);
      const t = { open: [] as LoadResult[], listed: [] as LoadResult[] };
      for (let round = 0; round < ROUNDS; round++) {
        const o = await load({
          url,
          method: 'POST',
          body: call,
          headers: { ...headers, ...auth },
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        const l = await load({
          url,
          method: 'POST',
          body: call,
          headers: { ...headers, authorization: `Bearer ${limited.secret}` },
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        t.open.push(o);
        t.listed.push(l);
        log(`  round ${round + 1}: no tool list ${fmt(o)} | tool list ${fmt(l)}`);
      }
      const tRatio = median(t.listed.map((l) => l.rps)) / median(t.open.map((o) => o.rps));
      log(`  => tool-list key / open key req/s ${(tRatio * 100).toFixed(0)}%`);
    }
    if (ONLY.has('b')) {
      // ---- (b) MCP proxy vs the upstream directly vs a minimal hand-written proxy ----------
      const hand = await start('hand-proxy', { keys: [admin.secret], upstream: upstream.url });
      const post = { method: 'POST' as const, body: RPC_PING_BODY };
      const json = MCP_POST_HEADERS;
      const proxyPath = `/v1/mcps/${mcp.id}/mcp`;
      log(`\n(b) MCP proxy POST (JSON-RPC), ${CONNECTIONS} connections`);
      const b = { gateway: [] as LoadResult[], hand: [] as LoadResult[], direct: [] as LoadResult[] };
      for (let round = 0; round < ROUNDS; round++) {
        const g = await load({
          url: gateway.url + proxyPath,
          ...post,
          headers: { ...json, ...auth },
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        const h = await load({
          url: `${hand.url}/mcp`,
          ...post,
          headers: { ...json, ...auth },
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        const d = await load({
          url: upstream.url,
          ...post,
          headers: json,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        b.gateway.push(g);
        b.hand.push(h);
        b.direct.push(d);
        log(
          `  round ${round + 1}: gateway ${fmt(g)} | hand-written proxy ${fmt(h)} | upstream direct ${fmt(d)}`,
        );
      }
      const bRatio = median(b.gateway.map((g) => g.rps)) / median(b.hand.map((h) => h.rps));
      const upstreamOrigin = new URL(upstream.url).origin;
      const viaGateway = await latency(gateway.url, 3_000, () => ({
        path: proxyPath,
        ...post,
        headers: { ...json, ...auth },
      }));
      const direct = await latency(upstreamOrigin, 3_000, () => ({ path: '/mcp', ...post, headers: json }));
      const viaHand = await latency(hand.url, 3_000, () => ({
        path: '/mcp',
        ...post,
        headers: { ...json, ...auth },
      }));
      log(
        `  1 connection: gateway p50 ${viaGateway.p50.toFixed(3)} ms p99 ${viaGateway.p99.toFixed(3)} ms | ` +
          `hand-written p50 ${viaHand.p50.toFixed(3)} ms | direct p50 ${direct.p50.toFixed(3)} ms p99 ${direct.p99.toFixed(3)} ms`,
      );
      log(
        `  => added at p50 ${(viaGateway.p50 - direct.p50).toFixed(3)} ms (target < 1 ms); ` +
          `gateway/hand-written req/s ${(bRatio * 100).toFixed(0)}% (target >= 80%)`,
      );
    }
    if (ONLY.has('c')) {
      // ---- (c) cold validation: every request a cache miss → NATS → key-service → Postgres ---
      const cold = await start('gateway', { ...gatewayEnv, AUTH_CACHE_TTL_MS: '0' });
      const coldKeys: string[] = [];
      for (let i = 0; i < 200; i++) {
        coldKeys.push(
          (await rpc.call(Subjects.keys.create, { actor, body: { name: `cold-${i}` } }, createdKeySchema))
            .secret,
        );
      }
      const coldLatency = await latency(cold.url, 2_000, (i) => ({
        path: '/v1/me',
        headers: { authorization: `Bearer ${coldKeys[i % coldKeys.length]}` },
      }));
      const bareLatency = await latency(bare.url, 2_000, () => ({ path: '/v1/me' }));
      const cachedLatency = await latency(gateway.url, 2_000, () => ({ path: '/v1/me', headers: auth }));
      log(`\n(c) cold validation (cache disabled: each request asks the key-service), 1 connection`);
      log(
        `  cold p50 ${coldLatency.p50.toFixed(3)} ms p99 ${coldLatency.p99.toFixed(3)} ms | cached p50 ${cachedLatency.p50.toFixed(3)} ms | bare p50 ${bareLatency.p50.toFixed(3)} ms`,
      );
      log(`  => cold p50 ${coldLatency.p50.toFixed(3)} ms (target < 2 ms)`);
      const coldLoad = await load({
        url: `${cold.url}/v1/me`,
        headers: { authorization: `Bearer ${coldKeys[0]}` },
        connections: CONNECTIONS,
        durationSeconds: DURATION,
      });
      log(
        `  cold at ${CONNECTIONS} connections (one key, concurrent misses share one lookup): ${fmt(coldLoad)}`,
      );
    }
    if (ONLY.has('d')) {
      // ---- (d) revocation propagation across three gateway instances --------------------------
      const three = [gateway, await start('gateway', gatewayEnv), await start('gateway', gatewayEnv)];
      const pools = three.map((g) => new Pool(g.url, { connections: 2 }));
      const status = async (pool: Pool, key: string): Promise<number> => {
        const res = await pool.request({
          path: '/v1/me',
          method: 'GET',
          headers: { authorization: `Bearer ${key}` },
        });
        await res.body.dump();
        return res.statusCode;
      };
      const propagation: number[] = [];
      const revokeCalls: number[] = [];
      let acceptedAfterRevoke = 0;
      const ITERATIONS = 60;
      for (let i = 0; i < ITERATIONS; i++) {
        const victim = await rpc.call(
          Subjects.keys.create,
          { actor, body: { name: `victim-${i}` } },
          createdKeySchema,
        );
        for (const pool of pools)
          if ((await status(pool, victim.secret)) !== 200) throw new Error('victim not accepted');
        const t0 = performance.now();
        await rpc.call(Subjects.keys.revoke, { actor, id: victim.key.id }, apiKeyViewSchema);
        const returned = performance.now();
        revokeCalls.push(returned - t0);
        const rejectedAt = await Promise.all(
          pools.map(async (pool) => {
            for (
              let s = await status(pool, victim.secret);
              s !== 401;
              s = await status(pool, victim.secret)
            ) {
              if (s === 200) acceptedAfterRevoke += 1;
            }
            return performance.now();
          }),
        );
        propagation.push(Math.max(...rejectedAt) - returned);
      }
      for (const pool of pools) await pool.close();
      propagation.sort((x, y) => x - y);
      revokeCalls.sort((x, y) => x - y);
      log(`\n(d) revocation propagation, 3 gateway instances, ${ITERATIONS} revocations`);
      log(
        `  revoke call p50 ${percentile(revokeCalls, 50).toFixed(2)} ms p99 ${percentile(revokeCalls, 99).toFixed(2)} ms; ` +
          `revoke returned -> all three reject: p50 ${percentile(propagation, 50).toFixed(3)} ms p99 ${percentile(propagation, 99).toFixed(3)} ms (target p99 < 50 ms)`,
      );
      log(
        `  requests accepted after a revoke returned: ${acceptedAfterRevoke} (the time above is the first post-revoke request itself: a cache miss answered "revoked" by the key-service)`,
      );
    }
    if (ONLY.has('e')) {
      // ---- (e) a rate-limited key: limits counted in memory vs in Redis (REDIS_URL) ----------
      const limited = await rpc.call(
        Subjects.keys.create,
        // Never reached: every request is allowed, so both sides do the same work but the count.
        { actor, body: { name: 'limited', rate_limit: { requests_per_second: 100_000, burst: 1_000_000 } } },
        createdKeySchema,
      );
      const prefix = `plexmcp-bench:${Date.now()}:`;
      const shared = await start('gateway', { ...gatewayEnv, REDIS_URL, REDIS_KEY_PREFIX: prefix });
      const limitedAuth = { authorization: `Bearer ${limited.secret}` };
      log(
        `\n(e) GET /v1/me with a rate-limited key: limits in memory vs in Redis (${REDIS_URL}), interleaved`,
      );
      const e = {
        memory: [] as number[][],
        redis: [] as number[][],
        memLoad: [] as LoadResult[],
        redisLoad: [] as LoadResult[],
      };
      for (let round = 0; round < ROUNDS; round++) {
        const m = await latency(gateway.url, 3_000, () => ({ path: '/v1/me', headers: limitedAuth }));
        const r = await latency(shared.url, 3_000, () => ({ path: '/v1/me', headers: limitedAuth }));
        e.memory.push([m.p50, m.p99]);
        e.redis.push([r.p50, r.p99]);
        const ml = await load({
          url: `${gateway.url}/v1/me`,
          headers: limitedAuth,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        const rl = await load({
          url: `${shared.url}/v1/me`,
          headers: limitedAuth,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        });
        e.memLoad.push(ml);
        e.redisLoad.push(rl);
        log(
          `  round ${round + 1}: 1 connection p50/p99 memory ${m.p50.toFixed(3)}/${m.p99.toFixed(3)} ms, redis ${r.p50.toFixed(3)}/${r.p99.toFixed(3)} ms | ` +
            `${CONNECTIONS} connections memory ${fmt(ml)} | redis ${fmt(rl)}`,
        );
      }
      const p50Added = median(e.redis.map((x) => x[0]!)) - median(e.memory.map((x) => x[0]!));
      const p99Added = median(e.redis.map((x) => x[1]!)) - median(e.memory.map((x) => x[1]!));
      const ratio = median(e.redisLoad.map((x) => x.rps)) / median(e.memLoad.map((x) => x.rps));
      log(
        `  => Redis adds p50 ${p50Added.toFixed(3)} ms, p99 ${p99Added.toFixed(3)} ms on one connection; ` +
          `req/s redis/memory ${(ratio * 100).toFixed(0)}% at ${CONNECTIONS} connections`,
      );
    }
  } finally {
    await servers.stopAll();
    await nc.close();
    await keyService.close();
    await infra.stop();
  }
}

await main();

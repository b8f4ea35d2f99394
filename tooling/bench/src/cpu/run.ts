import { Subjects, createdKeySchema, createdOrgSchema, mcpViewSchema, type Actor } from '@plexmcp/contracts';
import { NatsRpcClient, connectNats } from '@plexmcp/service-kit';
import { MCP_POST_HEADERS, RPC_PING_BODY, benchNumber, median, startBenchInfra } from '../bench-helpers.js';
import {
  type LoadOptions,
  type LoadResult,
  ServerGroup,
  type ServerProcess,
  benchGatewayEnv,
  load,
} from '../gateway/measure.js';
import { CpuMeter, type CpuSource, fixedPids, postgresBackends } from './process-cpu.js';

/**
 * `pnpm bench:cpu`: what one request costs each process of the whole system — api-gateway,
 * key-service, usage-service (ingesting the request's usage), nats-server (JetStream) and the
 * Postgres backends of the services — in CPU microseconds per request, beside a bare Fastify
 * server and a minimal undici proxy measured in the same run; plus req/s and p50/p99. CPU is read
 * from /proc of each process, so it is far steadier than req/s on a busy machine: compare CPU
 * for before/after. Every server runs in its own process. Not part of CI (see check.ts for that).
 */
const DURATION = benchNumber('BENCH_DURATION_S', 5);
const ROUNDS = benchNumber('BENCH_ROUNDS', 1);
const CONNECTIONS = benchNumber('BENCH_CONNECTIONS', 50);
/** BENCH_RATE: offer this many requests per second to both sides instead of as many as they answer. */
const RATE = process.env.BENCH_RATE === undefined ? undefined : benchNumber('BENCH_RATE', 0);
/** After the load: the gateway's usage reports and the usage-service's ingest finish in here. */
const SETTLE_MS = benchNumber('BENCH_SETTLE_MS', 3_000);
/** `BENCH_ONLY=rest,sse` runs only those cases. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'rest,cold,json,sse').split(','));
const SYSTEM = ['gateway', 'key-service', 'usage-service', 'nats-server', 'postgres'] as const;

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const us = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-').padStart(7);

/** One measured load: its HTTP figures and the CPU microseconds per response of each source. */
interface Sample {
  load: LoadResult;
  perRequest: Map<string, number>;
}

/** Load before each case's rounds, not measured: JIT compilation, connection pools, caches. */
const WARMUP_S = benchNumber('BENCH_WARMUP_S', 3);
/** Idle CPU measured before each load, subtracted from its figures. */
const IDLE_MS = benchNumber('BENCH_IDLE_MS', 2_000);

/**
 * Unmeasured load right before each measured one: a side left idle while the other is measured
 * has V8 flush code it did not run, and would pay for compiling it again inside its measurement.
 */
const ROUND_WARMUP_S = benchNumber('BENCH_ROUND_WARMUP_S', 1);

async function measure(sources: CpuSource[], options: LoadOptions, settleMs: number): Promise<Sample> {
  if (ROUND_WARMUP_S > 0) await load({ ...options, durationSeconds: ROUND_WARMUP_S });
  const meter = new CpuMeter(sources);
  await meter.calibrateIdle(IDLE_MS);
  await meter.start();
  const result = await load(options);
  await new Promise((r) => setTimeout(r, settleMs));
  const used = await meter.stop();
  const perRequest = new Map<string, number>();
  for (const [name, micros] of used) perRequest.set(name, micros / Math.max(1, result.total));
  return { load: result, perRequest };
}

/** The median of each figure over the rounds. */
function combine(samples: Sample[]): Sample {
  const perRequest = new Map<string, number>();
  for (const name of samples[0]!.perRequest.keys())
    perRequest.set(name, median(samples.map((s) => s.perRequest.get(name) ?? 0)));
  const pick = (f: (l: LoadResult) => number) => median(samples.map((s) => f(s.load)));
  return {
    load: {
      rps: pick((l) => l.rps),
      total: pick((l) => l.total),
      p50: pick((l) => l.p50),
      p99: pick((l) => l.p99),
      non2xx: pick((l) => l.non2xx),
      errors: pick((l) => l.errors),
    },
    perRequest,
  };
}

function httpFigures(l: LoadResult): string {
  const failures = l.non2xx + l.errors > 0 ? `  (non-2xx ${l.non2xx}, errors ${l.errors})` : '';
  return `${Math.round(l.rps).toString().padStart(6)} req/s  p50 ${l.p50} ms  p99 ${l.p99} ms${failures}`;
}

interface Case {
  title: string;
  gateway: LoadOptions;
  baselineName: string;
  baseline: LoadOptions;
  baselineSources: CpuSource[];
  /** Also measured, but outside the system: the MCP server behind the proxy. */
  upstream?: CpuSource;
}

/**
 * This process, which runs the load generator (autocannon): measured beside both sides because it
 * shares the machine with them — its cost per response grows with the response's size (headers).
 */
const LOAD_GENERATOR = fixedPids('load generator', process.pid);

async function runCase(c: Case, system: CpuSource[]): Promise<void> {
  const extra = c.upstream ? [c.upstream, LOAD_GENERATOR] : [LOAD_GENERATOR];
  const outside = new Set(extra.map((source) => source.name));
  /** The baseline server's CPU per request: every source measured beside it but those outside. */
  const baselineUs = (sample: Sample): number =>
    [...sample.perRequest].reduce((sum, [name, v]) => (outside.has(name) ? sum : sum + v), 0);
  const g: Sample[] = [];
  const b: Sample[] = [];
  // Both sides warmed alike: without it the gateway's first round pays for compiling far more
  // code than the baseline's (its proxy round 1 cost ~1.5x its later rounds).
  if (WARMUP_S > 0) {
    await load({ ...c.gateway, durationSeconds: WARMUP_S });
    await load({ ...c.baseline, durationSeconds: WARMUP_S });
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Which side goes first alternates, so that neither always runs right after the other's load.
    const measureGateway = async () => g.push(await measure([...system, ...extra], c.gateway, SETTLE_MS));
    const measureBaseline = async () =>
      b.push(await measure([...c.baselineSources, ...extra], c.baseline, 500));
    if (round % 2 === 0) {
      await measureGateway();
      await measureBaseline();
    } else {
      await measureBaseline();
      await measureGateway();
    }
    if (process.env.BENCH_VERBOSE === '1')
      log(
        `  round ${round + 1}: gateway ${us(g[round]!.perRequest.get('gateway') ?? 0)} µs ${Math.round(g[round]!.load.rps)} req/s, ` +
          `${c.baselineName} ${us(baselineUs(b[round]!))} µs ${Math.round(b[round]!.load.rps)} req/s`,
      );
  }
  const gw = combine(g);
  const base = combine(b);
  const systemUs = SYSTEM.reduce((sum, name) => sum + (gw.perRequest.get(name) ?? 0), 0);
  const baseUs = baselineUs(base);
  const gatewayUs = gw.perRequest.get('gateway') ?? 0;
  log(
    `\n${c.title} — ${CONNECTIONS} connections${RATE === undefined ? '' : ` at ${RATE} req/s`}, ${DURATION} s after ${WARMUP_S} s warm-up, ${ROUNDS} round(s), medians; idle CPU subtracted`,
  );
  log(`  gateway      ${httpFigures(gw.load)}`);
  log(`  ${c.baselineName.padEnd(12)} ${httpFigures(base.load)}`);
  log(
    `  CPU µs/request: ${SYSTEM.map((n) => `${n} ${us(gw.perRequest.get(n) ?? 0).trim()}`).join(' | ')}` +
      ` | whole system ${us(systemUs).trim()}`,
  );
  log(
    `  CPU µs/request: ${c.baselineName} ${us(baseUs).trim()} | outside both: ` +
      extra
        .map(
          (source) =>
            `${source.name} via gateway ${us(gw.perRequest.get(source.name) ?? 0).trim()}, via ${c.baselineName} ${us(base.perRequest.get(source.name) ?? 0).trim()}`,
        )
        .join(' | '),
  );
  log(
    `  => whole system ${(systemUs / baseUs).toFixed(2)}x ${c.baselineName}, gateway ${(gatewayUs / baseUs).toFixed(2)}x; ` +
      `req/s ${(gw.load.rps / base.load.rps).toFixed(2)}x`,
  );
}

async function main(): Promise<void> {
  const infra = await startBenchInfra('cpu_bench');
  const servers = new ServerGroup();
  const start = (kind: string, options: unknown = {}): Promise<ServerProcess> => servers.start(kind, options);
  const postgres = postgresBackends(infra.databaseUrl, () =>
    servers.list.map((server) => server.child.pid ?? 0),
  );
  const nc = await connectNats(infra.natsUrl, 'cpu-bench');
  const rpc = new NatsRpcClient(nc, 10_000);
  try {
    const keyService = await start('key-service', {
      service: { ...infra.serviceOptions, mcpUpstreamAllowedNetworks: ['127.0.0.0/8'] },
    });
    // The usage-service creates the USAGE stream the gateways publish to.
    const usageService = await start('usage-service', { service: infra.serviceOptions });
    const gatewayEnv = benchGatewayEnv(infra.natsUrl);
    const org = await rpc.call(Subjects.orgs.create, { name: 'CPU bench' }, createdOrgSchema);
    const admin = org.admin_key;
    const actor: Actor = { org_id: admin.key.organization_id, key_id: admin.key.id, ip: null };
    const auth = { authorization: `Bearer ${admin.secret}` };
    const gateway = await start('gateway', gatewayEnv);
    const pid = (s: ServerProcess): number => s.child.pid ?? 0;
    const system: CpuSource[] = [
      fixedPids('gateway', pid(gateway)),
      fixedPids('key-service', pid(keyService)),
      fixedPids('usage-service', pid(usageService)),
      fixedPids('nats-server', infra.natsPid),
      postgres,
    ];
    const common = {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      ...(RATE === undefined ? {} : { rate: RATE }),
    };

    const meBody: unknown = await (await fetch(`${gateway.url}/v1/me`, { headers: auth })).json();
    const bare = await start('bare-fastify', { body: meBody });
    if (ONLY.has('rest')) {
      await runCase(
        {
          title: '(rest) GET /v1/me, cached key',
          gateway: { url: `${gateway.url}/v1/me`, headers: auth, ...common },
          baselineName: 'bare fastify',
          baseline: { url: `${bare.url}/v1/me`, ...common },
          baselineSources: [fixedPids('bare fastify', pid(bare))],
        },
        system,
      );
    }
    if (ONLY.has('cold')) {
      // Every request a cache miss: gateway → NATS → key-service → Postgres, over 500 keys in turn.
      const cold = await start('gateway', { ...gatewayEnv, AUTH_CACHE_TTL_MS: '0' });
      const keys: string[] = [];
      for (let i = 0; i < 500; i++) {
        const created = await rpc.call(
          Subjects.keys.create,
          { actor, body: { name: `cold-${i}` } },
          createdKeySchema,
        );
        keys.push(created.secret);
      }
      await runCase(
        {
          title: '(cold) GET /v1/me, cache disabled (each request validated by the key-service)',
          gateway: {
            url: `${cold.url}/v1/me`,
            headersOf: (i) => ({ authorization: `Bearer ${keys[i % keys.length]}` }),
            ...common,
          },
          baselineName: 'bare fastify',
          baseline: { url: `${bare.url}/v1/me`, ...common },
          baselineSources: [fixedPids('bare fastify', pid(bare))],
        },
        [fixedPids('gateway', pid(cold)), ...system.slice(1)],
      );
    }
    for (const sse of [false, true]) {
      if (!ONLY.has(sse ? 'sse' : 'json')) continue;
      const upstream = await start('upstream', { sse });
      const mcp = await rpc.call(
        Subjects.mcps.create,
        { actor, body: { name: sse ? 'SSE' : 'JSON', upstream_url: upstream.url } },
        mcpViewSchema,
      );
      const hand = await start('hand-proxy', { keys: [admin.secret], upstream: upstream.url });
      const post = {
        method: 'POST' as const,
        body: RPC_PING_BODY,
        headers: { ...MCP_POST_HEADERS, ...auth },
      };
      await runCase(
        {
          title: `(${sse ? 'sse' : 'json'}) MCP proxy POST, upstream answers ${sse ? 'text/event-stream' : 'JSON'}`,
          gateway: { url: `${gateway.url}/v1/mcps/${mcp.id}/mcp`, ...post, ...common },
          baselineName: 'undici proxy',
          baseline: { url: `${hand.url}/mcp`, ...post, ...common },
          baselineSources: [fixedPids('undici proxy', pid(hand))],
          upstream: fixedPids('upstream', pid(upstream)),
        },
        system,
      );
    }
  } finally {
    await servers.stopAll();
    await nc.close();
    await postgres.close();
    await infra.stop();
  }
}

await main();

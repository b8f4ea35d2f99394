import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Subjects, createdOrgSchema, mcpViewSchema, type Actor } from '@plexmcp/contracts';
import { NatsRpcClient, connectNats } from '@plexmcp/service-kit';
import { MCP_POST_HEADERS, RPC_PING_BODY, benchNumber, median, startBenchInfra } from '../bench-helpers.js';
import {
  type LoadOptions,
  ServerGroup,
  type ServerProcess,
  benchGatewayEnv,
  envPairs,
  load,
  startServer,
} from '../gateway/measure.js';
import { cpuMicros, mainThreadCpuMicros } from './process-cpu.js';

/**
 * `pnpm bench:ab`: the gateway's CPU per request, this checkout's build (B) against another build
 * of it (A, `BENCH_AB_BASE`, a copy of `apps/api-gateway/dist` taken before the change), over
 * several fresh PAIRS of gateway processes. Fresh pairs, because a gateway process settles for
 * its whole life at one of two cost levels about 20% apart (root README, Benchmarks): one pair
 * alone can show a difference that is only chance. In each pair both gateways serve the same
 * key-service, usage-service and upstream, and take fixed-count loads in alternation (A B, then
 * B A, …); CPU is read from /proc of each gateway before and after each load.
 */
const PAIRS = benchNumber('BENCH_AB_PAIRS', 6);
const ROUNDS = benchNumber('BENCH_AB_ROUNDS', 2);
const REQUESTS = benchNumber('BENCH_AB_REQUESTS', 40_000);
const WARMUP = benchNumber('BENCH_AB_WARMUP', 20_000);
const CONNECTIONS = benchNumber('BENCH_CONNECTIONS', 50);
const CASE = process.env.BENCH_AB_CASE ?? 'json';
/** Seconds each pair sits idle after starting, before its first request (a gateway waiting for traffic). */
const IDLE_S = benchNumber('BENCH_AB_IDLE_S', 0);

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** The base build's entry module: BENCH_AB_BASE names a directory inside apps/api-gateway. */
function baseModule(): string {
  const gatewayDir = fileURLToPath(new URL('../../../../apps/api-gateway/', import.meta.url));
  const name = process.env.BENCH_AB_BASE;
  if (!name)
    throw new Error('BENCH_AB_BASE: name the copy of apps/api-gateway/dist to compare with (e.g. dist-base)');
  const entry = path.join(gatewayDir, name, 'index.js');
  // Inside apps/api-gateway, so that its imports resolve to this checkout's packages.
  if (!existsSync(entry)) throw new Error(`BENCH_AB_BASE: ${entry} does not exist`);
  return pathToFileURL(entry).href;
}

async function main(): Promise<void> {
  if (!['json', 'sse', 'rest'].includes(CASE)) throw new Error('BENCH_AB_CASE: json, sse or rest');
  const base = baseModule();
  const infra = await startBenchInfra('ab_bench');
  const servers = new ServerGroup();
  const nc = await connectNats(infra.natsUrl, 'ab-bench');
  const rpc = new NatsRpcClient(nc, 10_000);
  const us: Record<'A' | 'B', number[][]> = { A: [], B: [] };
  /** The same, of the main thread alone (where the kernel keeps schedstat). */
  const mainUs: Record<'A' | 'B', number[][]> = { A: [], B: [] };
  try {
    await servers.start('key-service', {
      service: { ...infra.serviceOptions, mcpUpstreamAllowedNetworks: ['127.0.0.0/8'] },
    });
    await servers.start('usage-service', { service: infra.serviceOptions });
    const org = await rpc.call(Subjects.orgs.create, { name: 'AB bench' }, createdOrgSchema);
    const admin = org.admin_key;
    const actor: Actor = { org_id: admin.key.organization_id, key_id: admin.key.id, ip: null };
    const auth = { authorization: `Bearer ${admin.secret}` };
    const upstream = await servers.start('upstream', { sse: CASE === 'sse' });
    const mcp = await rpc.call(
      Subjects.mcps.create,
      { actor, body: { name: 'AB', upstream_url: upstream.url } },
      mcpViewSchema,
    );
    const options = (gateway: ServerProcess, amount: number): LoadOptions =>
      CASE === 'rest'
        ? {
            url: `${gateway.url}/v1/me`,
            headers: auth,
            connections: CONNECTIONS,
            durationSeconds: 600,
            amount,
          }
        : {
            url: `${gateway.url}/v1/mcps/${mcp.id}/mcp`,
            method: 'POST',
            body: RPC_PING_BODY,
            headers: { ...auth, ...MCP_POST_HEADERS },
            connections: CONNECTIONS,
            durationSeconds: 600,
            amount,
          };
    const env = benchGatewayEnv(infra.natsUrl);
    for (let pair = 0; pair < PAIRS; pair++) {
      const a = await startServer('gateway', env, {
        // BENCH_AB_ENV_A="NAME=value …": the A side's own environment (e.g. BENCH_NO_TICK_PIN=1).
        env: { ...envPairs('BENCH_AB_ENV_A'), BENCH_GATEWAY_MODULE: base },
      });
      const b = await startServer('gateway', env);
      try {
        if (IDLE_S > 0) await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
        for (const gateway of [a, b]) await load(options(gateway, WARMUP));
        const perPair = { A: [] as number[], B: [] as number[] };
        const mainPerPair = { A: [] as number[], B: [] as number[] };
        for (let round = 0; round < ROUNDS; round++) {
          const order = round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const);
          for (const side of order) {
            const gateway = side === 'A' ? a : b;
            const pid = gateway.child.pid ?? 0;
            const before = cpuMicros(pid);
            const mainBefore = mainThreadCpuMicros(pid);
            const result = await load(options(gateway, REQUESTS));
            const used = cpuMicros(pid) - before;
            const mainAfter = mainThreadCpuMicros(pid);
            if (result.non2xx + result.errors > 0)
              throw new Error(`${side}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
            perPair[side].push(used / result.total);
            if (mainBefore !== null && mainAfter !== null)
              mainPerPair[side].push((mainAfter - mainBefore) / result.total);
          }
        }
        us.A.push(perPair.A);
        us.B.push(perPair.B);
        mainUs.A.push(mainPerPair.A);
        mainUs.B.push(mainPerPair.B);
        const fmt = (values: number[]) => values.map((v) => v.toFixed(1)).join(' ');
        log(
          `pair ${pair + 1}: A ${fmt(perPair.A)} µs, B ${fmt(perPair.B)} µs` +
            (mainPerPair.A.length > 0
              ? `; main thread A ${fmt(mainPerPair.A)} µs, B ${fmt(mainPerPair.B)} µs`
              : ''),
        );
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    }
  } finally {
    await servers.stopAll();
    await nc.close();
    await infra.stop();
  }
  log(
    `\n(${CASE}) gateway CPU µs per request, ${PAIRS} pairs × ${ROUNDS} rounds of ${REQUESTS} requests, ${CONNECTIONS} connections`,
  );
  summarize('whole process', us);
  // The figure that bounds req/s: JavaScript runs on this one thread.
  if (mainUs.A.every((rounds) => rounds.length > 0)) summarize('main thread', mainUs);
}

/** One figure per process (the median of its rounds), then over the processes. */
function summarize(what: string, us: Record<'A' | 'B', number[][]>): void {
  const a = us.A.map(median);
  const b = us.B.map(median);
  const pairRatios = a.map((value, i) => b[i]! / value);
  const range = (values: number[]) =>
    `median ${median(values).toFixed(1)} (processes ${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
  log(`  ${what}:`);
  log(`    A ${process.env.BENCH_AB_BASE}: ${range(a)}`);
  log(`    B this checkout: ${range(b)}`);
  log(
    `    => B/A ${(median(b) / median(a)).toFixed(3)}; per pair ${pairRatios.map((r) => r.toFixed(2)).join(' ')} ` +
      `(B cheaper in ${pairRatios.filter((r) => r < 1).length} of ${a.length})`,
  );
}

await main();

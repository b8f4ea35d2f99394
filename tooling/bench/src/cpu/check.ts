import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Subjects, createdOrgSchema, mcpViewSchema, type Actor } from '@plexmcp/contracts';
import { bootstrap as bootstrapKeyService } from '@plexmcp/key-service';
import { NatsRpcClient, connectNats } from '@plexmcp/service-kit';
import { RPC_PING_BODY, benchNumber, startBenchInfra } from '../bench-helpers.js';
import {
  type LoadOptions,
  ServerGroup,
  type ServerProcess,
  benchGatewayEnv,
  load,
} from '../gateway/measure.js';
import { CpuMeter, fixedPids } from './process-cpu.js';

/**
 * The CPU regression check (`pnpm test` of this package): CPU per request over a FIXED number of
 * requests, as a ratio to a baseline server measured alternately in the same run — the gateway's
 * cached GET /v1/me (and its usage pipeline: usage-service + nats-server) to bare Fastify, the
 * MCP proxy to a minimal undici proxy. CPU time, not throughput, and ratios, not absolute figures,
 * so a loaded or slower machine moves both sides alike. Fails when a ratio exceeds the committed
 * baseline (cpu-baseline.json) by more than 25 % plus a noise margin; `BENCH_CHECK_UPDATE=1`
 * rewrites the baseline from this run.
 *
 * FIGURES: each side's least CPU per request over the rounds, then their ratio. The median of the
 * per-round ratios, used before, moved with whichever side a burst of machine noise hit: over ten
 * runs on a noisy day the proxy's went 0.95–1.86 and the REST gateway's 1.29–2.32 (a failure with
 * nothing regressed); the ratio of the minimums of the same rounds went 1.21–1.53 and 1.42–2.05.
 * A real regression raises every round, the least one included.
 */
const REQUESTS = benchNumber('BENCH_CHECK_REQUESTS', 5_000);
const ROUNDS = benchNumber('BENCH_CHECK_ROUNDS', 5);
const CONNECTIONS = 16;
/** Allowed growth: 25 % regression budget × a noise margin for a shared, loaded machine. */
const TOLERANCE = 1.25 * benchNumber('BENCH_CHECK_NOISE', 1.15);
const BASELINE_FILE = fileURLToPath(new URL('../../cpu-baseline.json', import.meta.url));

type Figures = Record<string, number>;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * Unmeasured requests right before each measured load. A server left idle while the others are
 * measured (~10 s) has V8 flush code it did not run, and its next requests pay for compiling it
 * again: the baselines' round 2 cost twice their rounds 1 and 3 (undici proxy 146-171 against
 * 70-93 µs) in five runs of six, and did not with `--no-flush-bytecode`. A bare Fastify loaded
 * with 5,000 requests every 10 s: 18-19 µs per request, then 41-44 µs at ~30 s; 1,000 requests
 * first did not prevent it, 5,000 did (15-16 µs throughout).
 */
const PRELOAD = benchNumber('BENCH_CHECK_PRELOAD', 5_000);

async function cpuPerRequest(pids: Record<string, number>, options: LoadOptions): Promise<Figures> {
  if (PRELOAD > 0) await load({ ...options, amount: PRELOAD });
  const meter = new CpuMeter(Object.entries(pids).map(([name, pid]) => fixedPids(name, pid)));
  await meter.calibrateIdle(1_000);
  await meter.start();
  const result = await load({ ...options, amount: REQUESTS });
  // The gateway's last usage report and its ingest fall in here.
  await new Promise((r) => setTimeout(r, 600));
  const used = await meter.stop();
  if (result.non2xx + result.errors > 0)
    throw new Error(`${options.url}: ${result.non2xx} non-2xx responses`);
  return Object.fromEntries([...used].map(([name, us]) => [name, us / result.total]));
}

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0)} s`;

async function main(): Promise<void> {
  const infra = await startBenchInfra('cpu_check');
  const servers = new ServerGroup();
  const start = (kind: string, options: unknown = {}): Promise<ServerProcess> => servers.start(kind, options);
  const nc = await connectNats(infra.natsUrl, 'cpu-check');
  // Started side by side: start-up is most of this check's time on a busy machine.
  const [keyService, usage, upstream] = await Promise.all([
    bootstrapKeyService({ ...infra.serviceOptions, mcpUpstreamAllowedNetworks: ['127.0.0.0/8'] }),
    start('usage-service', { service: infra.serviceOptions }),
    start('upstream'),
  ]);
  let failed = false;
  try {
    const rpc = new NatsRpcClient(nc, 10_000);
    const org = await rpc.call(Subjects.orgs.create, { name: 'CPU check' }, createdOrgSchema);
    const actor: Actor = {
      org_id: org.admin_key.key.organization_id,
      key_id: org.admin_key.key.id,
      ip: null,
    };
    const auth = { authorization: `Bearer ${org.admin_key.secret}` };
    const mcp = await rpc.call(
      Subjects.mcps.create,
      { actor, body: { name: 'Check', upstream_url: upstream.url } },
      mcpViewSchema,
    );
    const [gateway, hand] = await Promise.all([
      start('gateway', benchGatewayEnv(infra.natsUrl)),
      start('hand-proxy', { keys: [org.admin_key.secret], upstream: upstream.url }),
    ]);
    const meBody: unknown = await (await fetch(`${gateway.url}/v1/me`, { headers: auth })).json();
    const bare = await start('bare-fastify', { body: meBody });
    const pid = (s: ServerProcess) => s.child.pid ?? 0;
    const common = { connections: CONNECTIONS, durationSeconds: 60 };
    const post = {
      method: 'POST' as const,
      body: RPC_PING_BODY,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...auth },
    };
    const cases = {
      rest: { url: `${gateway.url}/v1/me`, headers: auth, ...common },
      bare: { url: `${bare.url}/v1/me`, ...common },
      proxy: { url: `${gateway.url}/v1/mcps/${mcp.id}/mcp`, ...post, ...common },
      hand: { url: `${hand.url}/mcp`, ...post, ...common },
    };
    log(`servers up after ${elapsed()}`);
    // Warm-up (JIT, connection pools), not measured. With 1,500 requests per case the first
    // round still cost up to twice the later ones on both sides.
    const warmup = benchNumber('BENCH_CHECK_WARMUP', 6_000);
    for (const options of Object.values(cases)) await load({ ...options, amount: warmup });

    // Each side's CPU per request in each round. A round disturbed by the machine only costs more,
    // never less, so each side's least-disturbed round — its minimum — is compared (see FIGURES).
    const sides: Record<'rest' | 'restSystem' | 'bare' | 'proxy' | 'hand', number[]> = {
      rest: [],
      restSystem: [],
      bare: [],
      proxy: [],
      hand: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const rest = await cpuPerRequest(
        { gateway: pid(gateway), usage: pid(usage), nats: infra.natsPid },
        cases.rest,
      );
      const base = await cpuPerRequest({ bare: pid(bare) }, cases.bare);
      const proxy = await cpuPerRequest({ gateway: pid(gateway) }, cases.proxy);
      const minimal = await cpuPerRequest({ hand: pid(hand) }, cases.hand);
      sides.rest.push(rest.gateway!);
      sides.restSystem.push(rest.gateway! + rest.usage! + rest.nats!);
      sides.bare.push(base.bare!);
      sides.proxy.push(proxy.gateway!);
      sides.hand.push(minimal.hand!);
      log(
        `round ${round + 1} (${elapsed()}): GET /v1/me gateway ${rest.gateway!.toFixed(1)} µs + usage pipeline ${(rest.usage! + rest.nats!).toFixed(1)} µs vs bare ${base.bare!.toFixed(1)} µs; ` +
          `proxy ${proxy.gateway!.toFixed(1)} µs vs undici proxy ${minimal.hand!.toFixed(1)} µs`,
      );
    }
    const least = (values: number[]): number => Math.min(...values);
    const ratio = (side: number[], base: number[]): number =>
      Math.round((least(side) / least(base)) * 100) / 100;
    const measured: Figures = {
      rest_gateway: ratio(sides.rest, sides.bare),
      rest_system: ratio(sides.restSystem, sides.bare),
      proxy_gateway: ratio(sides.proxy, sides.hand),
    };
    if (process.env.BENCH_CHECK_UPDATE === '1') {
      writeFileSync(BASELINE_FILE, `${JSON.stringify(measured, null, 2)}\n`);
      log(`baseline written: ${JSON.stringify(measured)}`);
      return;
    }
    const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Figures;
    for (const [name, value] of Object.entries(measured)) {
      const limit = (baseline[name] ?? Number.POSITIVE_INFINITY) * TOLERANCE;
      const ok = value <= limit;
      if (!ok) failed = true;
      log(
        `${ok ? 'ok  ' : 'FAIL'} ${name}: CPU per request ${value.toFixed(2)}x its baseline server (committed ${baseline[name]}, limit ${limit.toFixed(2)})`,
      );
    }
  } finally {
    await servers.stopAll();
    await nc.close();
    await keyService.close();
    await infra.stop();
  }
  if (failed) {
    log('CPU per request regressed by more than the allowed margin (see above).');
    process.exitCode = 1;
  }
}

await main();

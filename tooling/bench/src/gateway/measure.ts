import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { serviceNodeFlags } from '@plexmcp/service-kit/testing';
import { READY_MARKER } from './bench-servers.js';
import { percentile } from '../bench-helpers.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The gateway's Node flags as it ships (package.json `plexmcp.nodeFlags`): it is measured as it runs. */
function gatewayNodeFlags(): string[] {
  return serviceNodeFlags(
    fileURLToPath(new URL('../../../../apps/api-gateway/package.json', import.meta.url)),
  );
}

/** Starts one benchmark server in its own process (so it does not share CPU time with the load generator). */
export async function startServer(
  kind: string,
  options: unknown = {},
  extra: { env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./child.js', import.meta.url));
  // BENCH_PROFILE_DIR: these servers (BENCH_PROFILE_KINDS, default the gateways) write a V8 CPU
  // profile there when stopped; BENCH_NODE_FLAGS: extra node flags for them (e.g. --perf-basic-prof).
  const profiled = (process.env.BENCH_PROFILE_KINDS ?? 'gateway').split(',').includes(kind);
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const flags = kind === 'gateway' ? gatewayNodeFlags() : [];
  if (profiled) flags.push(...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean));
  if (profiled && profileDir) flags.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const child = spawn(process.execPath, [...flags, script, kind, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...extra.env },
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith(READY_MARKER))
        resolve((JSON.parse(line.slice(READY_MARKER.length)) as { url: string }).url);
    });
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        // Gone already (a SIGTERM leaves exitCode null and signalCode set): no 'exit' will come.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Servers started one by one (each in its own process), remembered so they can all be stopped. */
export class ServerGroup {
  readonly list: ServerProcess[] = [];

  async start(kind: string, options: unknown = {}): Promise<ServerProcess> {
    const server = await startServer(kind, options);
    this.list.push(server);
    return server;
  }

  /** Stops them, the latest started first. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.list].reverse().map((s) => s.stop()));
  }
}

/** The environment of a benchmarked gateway: loopback upstreams, no failed-attempt throttling. */
export function benchGatewayEnv(natsUrl: string): Record<string, string> {
  return {
    NATS_URL: natsUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    MCP_UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
    // `BENCH_GATEWAY_ENV="LOG_LEVEL=info TRACING=…"`: settings of the gateways under test, over the
    // bench's own (e.g. to measure the access log, which the bench's `LOG_LEVEL=warn` leaves out).
    ...envPairs('BENCH_GATEWAY_ENV'),
  };
}

/** The `NAME=value NAME=value` pairs of the environment variable `variable`. */
export function envPairs(variable: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (process.env[variable] ?? '').split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${variable}: "${pair}" is not NAME=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export interface LoadResult {
  rps: number;
  /** Responses received. */
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests instead of after `durationSeconds`. */
  amount?: number;
  /** Offered load in requests per second over all connections (default: as fast as answered). */
  rate?: number;
  /** Headers of the i-th request (overriding `headers`), e.g. a different key each time. */
  headersOf?: (i: number) => Record<string, string>;
}

function rotate(headersOf: (i: number) => Record<string, string>) {
  let i = 0;
  return (request: { headers: Record<string, string> }) => {
    request.headers = { ...request.headers, ...headersOf(i++) };
    return request;
  };
}

/** Throughput at N connections (autocannon; its latencies have 1 ms resolution). */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.amount !== undefined ? { amount: options.amount } : {}),
    ...(options.rate !== undefined ? { overallRate: options.rate } : {}),
    ...(options.headersOf !== undefined ? { requests: [{ setupRequest: rotate(options.headersOf) }] } : {}),
  });
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface LatencyResult {
  p50: number;
  p99: number;
  samples: number;
}

/**
 * Latency with microsecond resolution: one keep-alive connection, requests one after another,
 * `makeRequest` choosing each request (e.g. a different key every time for cold validations).
 */
export async function latency(
  origin: string,
  count: number,
  makeRequest: (i: number) => {
    path: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
  },
  expectStatus = 200,
): Promise<LatencyResult> {
  const pool = new Pool(origin, { connections: 1 });
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const r = makeRequest(i);
      const t0 = performance.now();
      const res = await pool.request({
        path: r.path,
        method: r.method ?? 'GET',
        headers: r.headers ?? {},
        body: r.body ?? null,
      });
      await res.body.dump();
      const elapsed = performance.now() - t0;
      if (res.statusCode !== expectStatus)
        throw new Error(`unexpected status ${res.statusCode} for ${r.path}`);
      if (i >= Math.min(50, count / 10)) times.push(elapsed); // skip warm-up
    }
  } finally {
    await pool.close();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), samples: times.length };
}

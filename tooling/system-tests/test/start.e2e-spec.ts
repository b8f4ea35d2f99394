// `pnpm start` as a new user runs it: no DATABASE_URL (so the embedded Postgres is used), the three
// services supervised, the gateway ready on PORT, and Ctrl-C leaving no process behind.
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import {
  freePort,
  isListening,
  serviceNodeFlags,
  startIsolatedNats,
  waitFor,
} from '@plexmcp/service-kit/testing';
import {
  createOrgWithCli,
  interrupt,
  isAlive,
  nonJsonLines,
  repoRoot,
  startSystem,
  waitUntilReady,
  worldWritable,
  type StartedSystem,
  TestRun,
} from '../src/index.js';

const SERVICES = ['key-service', 'usage-service', 'api-gateway'];
/** How long Ctrl-C may take to stop everything (each service's and Postgres's own shutdown). */
const STOP_DEADLINE_MS = 15_000;

const run = new TestRun();

afterEach(async () => {
  await run.undo();
});

/** The Node flags `service` is started with: its package.json's `plexmcp.nodeFlags`. */
function nodeFlagsOf(service: string): string[] {
  return serviceNodeFlags(path.join(repoRoot, 'apps', service, 'package.json'));
}

/** Ctrl-C: every process the supervisor started must be gone once it has exited, none killed. */
async function interruptAndExpectAllStopped(started: StartedSystem, expected: string[]): Promise<void> {
  const pids = started.pids();
  for (const name of expected) expect(pids.has(name)).toBe(true);
  const stopped = await interrupt(started, STOP_DEADLINE_MS);
  expect(stopped.exit).toEqual({ code: 0, signal: null });
  expect(stopped.survivors).toEqual([]);
  expect(stopped.survivingPids).toEqual([]);
  // The supervisor says when it had to kill a process after the grace period; it never did.
  expect(started.output()).not.toContain('killing it (SIGKILL)');
  expect(started.output()).not.toContain('killed after the grace period');
  expect(started.output()).toContain('every process exited on its own');
  for (const name of expected) expect(started.output()).toContain(`${name} stopped (code 0)`);
}

describe('pnpm start (scripts/start.mjs)', () => {
  it('serves /readyz with the embedded Postgres and an existing NATS, restarts a crashed service, and stops every child on SIGINT', async () => {
    run.nats = await startIsolatedNats();
    const port = await freePort();
    const dataDir = run.dataDirs.create();
    run.system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: run.nats.url,
      LOG_LEVEL: 'warn',
    });

    await waitUntilReady(run.system, port);

    expect(run.system.output()).toContain('embedded Postgres ready');
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(statSync(path.join(dataDir, 'postgres')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'postgres-password')).mode & 0o777).toBe(0o600);
    expect(worldWritable(dataDir)).toEqual([]);
    // NATS answered, so none was started.
    expect(run.system.pids().has('nats-server')).toBe(false);
    // Each service runs with the Node flags of its package.json (the gateway's young generation).
    for (const service of SERVICES) {
      const argv = readFileSync(`/proc/${run.system.pids().get(service)}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1, -1)).toEqual([...nodeFlagsOf(service), 'dist/main.js']);
    }
    expect(nodeFlagsOf('api-gateway')).toContain('--max-semi-space-size=32');
    // The readiness banner tells what to do next.
    await waitFor(() => run.system?.output().includes('PlexMCP is ready'), {
      timeoutMs: 10_000,
      message: 'the readiness banner',
    });
    expect(run.system.output()).toContain(`http://localhost:${port}/dashboard/`);
    expect(run.system.output()).toContain('pnpm plexmcp org create --name');
    // The ops ports it printed serve each NATS service's readiness and metrics.
    const opsPorts = /"ops_ports":(\{[^}]*\})/.exec(run.system.output());
    const ports = JSON.parse(opsPorts?.[1] ?? '{}') as Record<string, number>;
    expect(Object.keys(ports).sort()).toEqual(['key-service', 'usage-service']);
    for (const [service, opsPort] of Object.entries(ports)) {
      const ready = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => null);
          return res?.status === 200 ? res : null;
        },
        { timeoutMs: 10_000, message: `${service} /readyz on ${opsPort}` },
      );
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      expect(metrics).toContain(`process_cpu_seconds_total{service="${service}"}`);
    }

    // A crashed service is started again, and the system becomes ready again.
    const crashed = run.system.pids().get('key-service') as number;
    process.kill(crashed, 'SIGKILL');
    const started = run.system;
    await waitFor(() => started.pids().get('key-service') !== crashed, {
      timeoutMs: 30_000,
      message: 'key-service to be restarted',
    });
    expect(started.output()).toContain('key-service exited unexpectedly (signal SIGKILL); restarting in');
    expect(isAlive(crashed)).toBe(false);
    await waitUntilReady(started, port);

    await interruptAndExpectAllStopped(run.system, [...SERVICES, 'postgres']);
    expect(await isListening(run.nats.port)).toBe(true);
    // Not a terminal: every line is one JSON object, the supervisor's and Postgres's included.
    expect(nonJsonLines(run.system.output())).toEqual([]);
  }, 180_000);

  it('starts its own nats-server with JetStream when nothing answers at NATS_URL', async () => {
    const natsPort = await freePort();
    const port = await freePort();
    const dataDir = run.dataDirs.create();
    run.system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      LOG_LEVEL: 'warn',
    });

    await waitUntilReady(run.system, port);

    expect(run.system.output()).toContain(`started NATS with JetStream at nats://127.0.0.1:${natsPort}`);
    expect(existsSync(path.join(dataDir, 'nats', 'jetstream'))).toBe(true);
    expect(worldWritable(dataDir)).toEqual([]);
    // Secured: no anonymous client; the CLI runs as the generated ops user (found in the data dir).
    expect(statSync(path.join(dataDir, 'nats-credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'nats-server.conf')).mode & 0o777).toBe(0o600);
    await expect(
      connect({ servers: `nats://127.0.0.1:${natsPort}`, reconnect: false, timeout: 3_000 }),
    ).rejects.toThrow(/authoriz/i);
    const org = await createOrgWithCli('Secured NATS', `nats://127.0.0.1:${natsPort}`, dataDir);
    expect(org.admin_key.secret).toMatch(/^pk_live_/);
    await interruptAndExpectAllStopped(run.system, [...SERVICES, 'postgres', 'nats-server']);
    expect(await isListening(natsPort)).toBe(false);
  }, 180_000);

  it('says how to get NATS when nothing answers and no nats-server is installed', async () => {
    const natsPort = await freePort();
    const started = startSystem({
      // An empty PATH directory: no nats-server to find (node itself is started by absolute path).
      PATH: run.dataDirs.create(),
      PORT: String(await freePort()),
      PLEXMCP_DATA_DIR: run.dataDirs.create(),
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
    });
    run.system = started;

    const exit = await started.exited;

    expect(exit.code).toBe(1);
    expect(started.output()).toContain('apt-get install -y nats-server');
    expect(started.output()).toContain('set NATS_URL');
    expect(started.pids().size).toBe(0);
  });

  it('writes human-readable lines prefixed with the process name when LOG_FORMAT=pretty', async () => {
    run.nats = await startIsolatedNats();
    const port = await freePort();
    run.system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: run.dataDirs.create(),
      NATS_URL: run.nats.url,
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'info',
    });

    await waitUntilReady(run.system, port);
    const started = run.system;
    // The banner is one write, but a pipe may deliver it in pieces: wait for its last line.
    await waitFor(() => started.output().includes('Ctrl-C stops everything.'), {
      timeoutMs: 10_000,
      message: 'the whole readiness banner',
    });
    const output = started.output();
    expect(output).toMatch(/^plexmcp +\| PlexMCP is ready\.$/m);
    expect(output).toMatch(/^plexmcp +\| {3}gateway: +http:\/\/localhost:\d+$/m);
    // The services' own lines went through pino-pretty: a level word, not a JSON object.
    expect(output).toMatch(/^key-service +\| \[[\d:.]+\] INFO: key-service ready/m);
    expect(output).toMatch(/^api-gateway +\| \[[\d:.]+\] INFO: api-gateway listening/m);
    expect(output).not.toMatch(/^\S+ +\| \{"level"/m);
    await interruptAndExpectAllStopped(started, [...SERVICES, 'postgres']);
  }, 180_000);

  // Postgres runs as the `postgres` system user under root; a data dir it cannot enter (a checkout
  // under /root, a private temporary folder) must not stop a new user's first `pnpm start`.
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'as root, keeps the cluster where the postgres user can reach it when the data dir is private',
    async () => {
      run.nats = await startIsolatedNats();
      const port = await freePort();
      const privateParent = run.dataDirs.create(); // 0700, like a fresh mktemp folder or /root
      const dataDir = path.join(privateParent, '.plexmcp');
      const fallback = path.join(run.dataDirs.create(), 'pg');
      chmodSync(path.dirname(fallback), 0o755);
      const env = {
        PORT: String(port),
        PLEXMCP_DATA_DIR: dataDir,
        PLEXMCP_PG_FALLBACK_DIR: fallback,
        NATS_URL: run.nats.url,
        LOG_LEVEL: 'warn',
      };
      run.system = startSystem(env);
      await waitUntilReady(run.system, port);
      const location = readFileSync(path.join(dataDir, 'postgres-location'), 'utf8').trim();
      expect(location.startsWith(`${fallback}/`)).toBe(true);
      expect(existsSync(path.join(location, 'PG_VERSION'))).toBe(true);
      expect(statSync(location).mode & 0o777).toBe(0o700);
      expect(run.system.output()).toContain(`the embedded Postgres lives in ${location}`);
      expect(worldWritable(fallback)).toEqual([]);
      await interruptAndExpectAllStopped(run.system, [...SERVICES, 'postgres']);

      // The next start finds the same cluster through the data dir.
      run.system = startSystem(env);
      await waitUntilReady(run.system, port);
      expect(run.system.output()).not.toContain('the embedded Postgres lives in');
      expect(readFileSync(path.join(dataDir, 'postgres-location'), 'utf8').trim()).toBe(location);
      await interruptAndExpectAllStopped(run.system, [...SERVICES, 'postgres']);
    },
    180_000,
  );
});

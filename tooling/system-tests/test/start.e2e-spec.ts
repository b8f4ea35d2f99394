// `pnpm start` as a new user runs it: no DATABASE_URL (so the embedded PGlite is used), the three
// services supervised, the gateway ready on PORT, and Ctrl-C leaving no process behind.
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, startIsolatedNats, waitFor, type IsolatedNats } from '@plexmcp/service-kit/testing';
import { isAlive, startSystem, type StartedSystem } from '../src/index.js';

const SERVICES = ['key-service', 'usage-service', 'api-gateway'];
/** The first PGlite initdb alone takes ~6 s; three services then run their migrations against it. */
const READY_DEADLINE_MS = 120_000;

let system: StartedSystem | undefined;
let nats: IsolatedNats | undefined;
const dataDirs: string[] = [];

afterEach(async () => {
  system?.kill();
  system = undefined;
  await nats?.stop();
  nats = undefined;
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plexmcp-system-'));
  dataDirs.push(dir);
  return dir;
}

async function readyStatus(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

async function waitUntilReady(started: StartedSystem, port: number): Promise<void> {
  try {
    await waitFor(async () => (await readyStatus(port)) === 200, {
      timeoutMs: READY_DEADLINE_MS,
      intervalMs: 250,
      message: `GET /readyz on port ${port} to answer 200`,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output of pnpm start ---\n${started.output()}`, {
      cause: err,
    });
  }
}

/** Ctrl-C, then every process the supervisor started must be gone once it has exited. */
async function interruptAndExpectAllStopped(started: StartedSystem, expected: string[]): Promise<void> {
  const pids = started.pids();
  for (const name of expected) expect(pids.has(name)).toBe(true);
  started.process.kill('SIGINT');
  const exit = await Promise.race([
    started.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref()),
  ]);
  expect(exit).toEqual({ code: 0, signal: null });
  const survivors = [...pids].filter(([, pid]) => isAlive(pid)).map(([name]) => name);
  expect(survivors).toEqual([]);
}

describe('pnpm start (scripts/start.mjs)', () => {
  it('serves /readyz with PGlite and an existing NATS, restarts a crashed service, and stops every child on SIGINT', async () => {
    nats = await startIsolatedNats();
    const port = await freePort();
    const dataDir = newDataDir();
    system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: nats.url,
      LOG_LEVEL: 'warn',
    });

    await waitUntilReady(system, port);

    expect(system.output()).toContain('embedded Postgres ready');
    expect(existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    // NATS answered, so none was started.
    expect(system.pids().has('nats-server')).toBe(false);

    // A crashed service is started again, and the system becomes ready again.
    const crashed = system.pids().get('key-service') as number;
    process.kill(crashed, 'SIGKILL');
    const started = system;
    await waitFor(() => started.pids().get('key-service') !== crashed, {
      timeoutMs: 30_000,
      message: 'key-service to be restarted',
    });
    expect(started.output()).toContain('key-service exited unexpectedly (signal SIGKILL); restarting in');
    expect(isAlive(crashed)).toBe(false);
    await waitUntilReady(started, port);

    await interruptAndExpectAllStopped(system, [...SERVICES, 'postgres']);
    expect(await answers(nats.port)).toBe(true);
  }, 180_000);

  it('starts its own nats-server with JetStream when nothing answers at NATS_URL', async () => {
    const natsPort = await freePort();
    const port = await freePort();
    const dataDir = newDataDir();
    system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      LOG_LEVEL: 'warn',
    });

    await waitUntilReady(system, port);

    expect(system.output()).toContain(`started NATS with JetStream at nats://127.0.0.1:${natsPort}`);
    expect(existsSync(path.join(dataDir, 'nats', 'jetstream'))).toBe(true);
    await interruptAndExpectAllStopped(system, [...SERVICES, 'postgres', 'nats-server']);
    expect(await answers(natsPort)).toBe(false);
  }, 180_000);

  it('says how to get NATS when nothing answers and no nats-server is installed', async () => {
    const natsPort = await freePort();
    const started = startSystem({
      // An empty PATH directory: no nats-server to find (node itself is started by absolute path).
      PATH: newDataDir(),
      PORT: String(await freePort()),
      PLEXMCP_DATA_DIR: newDataDir(),
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
    });
    system = started;

    const exit = await started.exited;

    expect(exit.code).toBe(1);
    expect(started.output()).toContain('apt-get install -y nats-server');
    expect(started.output()).toContain('set NATS_URL');
    expect(started.pids().size).toBe(0);
  });
});

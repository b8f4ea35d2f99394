// `pnpm start` when something is in the way: it stops at once with a message saying what and how
// to fix it, with a non-zero exit code, instead of restarting a process forever.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, startIsolatedNats } from '@plexmcp/service-kit/testing';
import { isAlive, repoRoot, startSystem, type StartedSystem, TestRun } from '../src/index.js';

const run = new TestRun();
let blocker: Server | undefined;

afterEach(async () => {
  await run.undo();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

/** Something else listening on `port`, as an earlier `pnpm start` or another program would. */
async function occupy(port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

async function exitWithin(started: StartedSystem, ms: number) {
  return Promise.race([
    started.exited,
    new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref()),
  ]);
}

describe('pnpm start refuses to run into a wall', () => {
  it('stops with a message naming the port when PORT is taken, starting nothing', async () => {
    run.nats = await startIsolatedNats();
    const port = await freePort();
    blocker = await occupy(port);
    run.system = startSystem({
      PORT: String(port),
      PLEXMCP_DATA_DIR: run.dataDirs.create(),
      NATS_URL: run.nats.url,
    });

    const exit = await exitWithin(run.system, 30_000);

    expect(exit).not.toBe('still running');
    expect(exit).toMatchObject({ code: 1 });
    expect(run.system.output()).toContain(`port ${port} on 0.0.0.0 (PORT) is already in use`);
    expect(run.system.pids().size).toBe(0);
  });

  it('stops with a message naming the port when PLEXMCP_PG_PORT is taken', async () => {
    run.nats = await startIsolatedNats();
    const pgPort = await freePort();
    blocker = await occupy(pgPort, '127.0.0.1');
    const dataDir = run.dataDirs.create();
    run.system = startSystem({
      PORT: String(await freePort()),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: run.nats.url,
      PLEXMCP_PG_PORT: String(pgPort),
    });

    const exit = await exitWithin(run.system, 30_000);

    expect(exit).toMatchObject({ code: 1 });
    expect(run.system.output()).toContain(`port ${pgPort} on 127.0.0.1 (PLEXMCP_PG_PORT) is already in use`);
    expect(run.system.pids().size).toBe(0);
  });

  it('stops everything instead of restarting a service that cannot start (invalid configuration)', async () => {
    run.nats = await startIsolatedNats();
    run.system = startSystem({
      PORT: String(await freePort()),
      PLEXMCP_DATA_DIR: run.dataDirs.create(),
      NATS_URL: run.nats.url,
      KEY_SERVICE_DB_POOL_SIZE: '0',
    });

    const exit = await exitWithin(run.system, 60_000);

    expect(exit).toMatchObject({ code: 1 });
    const output = run.system.output();
    expect(output).toContain('KEY_SERVICE_DB_POOL_SIZE');
    expect(output).toContain('key-service exited (code 78)');
    expect(output).not.toContain('restarting in');
    expect(run.system.allPids().filter(isAlive)).toEqual([]);
  }, 90_000);

  it('refuses a data directory holding the PGlite database of an earlier version, touching nothing', async () => {
    run.nats = await startIsolatedNats();
    const dataDir = run.dataDirs.create();
    const pglite = path.join(dataDir, 'pglite');
    mkdirSync(pglite);
    writeFileSync(path.join(pglite, 'PG_VERSION'), '17\n');
    run.system = startSystem({
      PORT: String(await freePort()),
      PLEXMCP_DATA_DIR: dataDir,
      NATS_URL: run.nats.url,
    });

    const exit = await exitWithin(run.system, 30_000);

    expect(exit).toMatchObject({ code: 1 });
    expect(run.system.output()).toContain('(PGlite)');
    expect(run.system.output()).toContain(`rm -rf ${pglite}`);
    expect(readdirSync(pglite)).toEqual(['PG_VERSION']);
    expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    expect(run.system.pids().size).toBe(0);
  });

  it('the gateway alone exits 78 with the port in its message when its port is taken', async () => {
    run.nats = await startIsolatedNats();
    const port = await freePort();
    blocker = await occupy(port, '127.0.0.1');
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: path.join(repoRoot, 'apps/api-gateway'),
      env: { PATH: process.env.PATH ?? '', NATS_URL: run.nats.url, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));

    expect(code).toBe(78);
    expect(output).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
  }, 30_000);
});

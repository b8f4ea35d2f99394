import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from '@plexmcp/service-kit/testing';
import { type Child, spawnChild, stopChild } from './child-process.js';
import { repoRoot } from './repo.js';

interface Prepared {
  type: 'prepared';
  postgres: string;
  uid: number | null;
  gid: number | null;
}

/**
 * A private PostgreSQL for the suite: the repository's embedded Postgres (`scripts/embedded-postgres.mjs`
 * runs initdb — as the `postgres` user when we are root — into a fresh temporary directory), served
 * on a free loopback port. `restart()` stops it (fast shutdown: clients are cut) and starts it again
 * on the same port and data, as an operator or a crash-restart would.
 */
export interface PrivatePostgres {
  readonly url: string;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const home = mkdtempSync(path.join(tmpdir(), 'plexmcp-chaos-pg-'));
  // The postgres user (as root) must reach the cluster and, when copied here, the binaries.
  chmodSync(home, 0o711);
  const dataDir = path.join(home, 'cluster');
  const passwordFile = path.join(home, 'password');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  const prepared = await new Promise<Prepared>((resolve, reject) => {
    const child = fork(path.join(repoRoot, 'scripts/embedded-postgres.mjs'), [dataDir, passwordFile], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('message', (message) => resolve(message as Prepared));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`embedded Postgres could not be prepared: ${stderr.trim()}`));
    });
  });
  const port = await freePort();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const launch = async (): Promise<Child> => {
    const child = spawnChild(
      'postgres',
      prepared.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      {
        env: { ...process.env, LC_MESSAGES: 'C' },
        ...(prepared.uid === null ? {} : { uid: prepared.uid, gid: prepared.gid ?? prepared.uid }),
      },
    );
    await waitFor(
      async () => {
        const client = new pg.Client({ connectionString: url });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `Postgres on ${port}: ${child.tail()}` },
    );
    return child;
  };
  let child = await launch();
  return {
    url,
    async restart(downMs = 0) {
      await stopChild(child, 'SIGINT');
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch();
    },
    async stop() {
      await stopChild(child, 'SIGINT');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

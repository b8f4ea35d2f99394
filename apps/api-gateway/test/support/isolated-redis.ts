import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitFor } from '@plexmcp/service-kit/testing';
import { Redis } from 'ioredis';

/** The machine's shared Redis; tests on it use a key prefix of their own and never flush it. */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface IsolatedRedis {
  url: string;
  /** A client of this server, for tests that look at the keys the gateways write. */
  client: Redis;
  /** Kills the server (SIGKILL: no goodbye to its clients), as a crash or a network cut would. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A private redis-server on a free port, without persistence, for tests that stop Redis. */
export async function startIsolatedRedis(): Promise<IsolatedRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  // Reconnects every 50 ms; a command waits through at most 20 attempts, then fails (waitFor retries).
  const client = new Redis(url, { retryStrategy: () => 50 });
  client.on('error', () => undefined);

  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(async () => (await client.ping()) === 'PONG', {
      timeoutMs: 10_000,
      message: `redis-server on ${port}`,
    });
    return child;
  };
  const kill = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  };

  let child = await launch();
  return {
    url,
    client,
    kill: () => kill(child),
    async restart() {
      await kill(child);
      child = await launch();
    },
    async stop() {
      client.disconnect();
      await kill(child);
    },
  };
}

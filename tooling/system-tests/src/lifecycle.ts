import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type IsolatedNats, waitFor } from '@plexmcp/service-kit/testing';
import { isAlive, type StartedSystem } from './start-process.js';

/** Fresh data directories for one test file; `removeAll()` in afterEach/afterAll. */
export class DataDirs {
  private readonly dirs: string[] = [];

  create(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'plexmcp-system-'));
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What one test of `pnpm start` started: the supervised system, a private nats-server and data
 * directories. `undo()`, after each test, kills, stops and removes all of it.
 */
export class TestRun {
  system: StartedSystem | undefined;
  nats: IsolatedNats | undefined;
  readonly dataDirs = new DataDirs();

  async undo(): Promise<void> {
    this.system?.kill();
    this.system = undefined;
    await this.nats?.stop();
    this.nats = undefined;
    this.dataDirs.removeAll();
  }
}

export async function readyStatus(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status;
}

/** Waits for GET /readyz to answer 200; on timeout the error carries what the supervisor printed. */
export async function waitUntilReady(
  started: StartedSystem,
  port: number,
  timeoutMs = 120_000,
): Promise<void> {
  try {
    await waitFor(async () => (await readyStatus(port)) === 200, {
      timeoutMs,
      intervalMs: 250,
      message: `GET /readyz on port ${port} to answer 200`,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output of pnpm start ---\n${started.output()}`, {
      cause: err,
    });
  }
}

export interface Interrupted {
  exit: { code: number | null; signal: NodeJS.Signals | null } | 'timeout';
  elapsedMs: number;
  /** Names of the processes it started that are still alive after it exited. */
  survivors: string[];
  /** Every pid it ever started that is still alive. */
  survivingPids: number[];
}

/** Ctrl-C: SIGINT to the supervisor, then which of the processes it started are still there. */
export async function interrupt(started: StartedSystem, timeoutMs: number): Promise<Interrupted> {
  const pids = started.pids();
  const startedAt = Date.now();
  started.process.kill('SIGINT');
  const exit = await Promise.race([
    started.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref()),
  ]);
  const elapsedMs = Date.now() - startedAt;
  return {
    exit,
    elapsedMs,
    survivors: [...pids].filter(([, pid]) => isAlive(pid)).map(([name]) => name),
    survivingPids: started.allPids().filter((pid) => isAlive(pid)),
  };
}

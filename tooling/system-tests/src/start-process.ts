import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `pnpm start` without its build step: the supervisor itself, as a child process. */
export interface StartedSystem {
  process: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** The pid of every process it started, by name (the latest one when it restarted one). */
  pids(): Map<string, number>;
  /** Resolves with the exit code (or signal) once the supervisor has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last-resort cleanup for a failed test: kills the supervisor and every child it reported. */
  kill(): void;
}

/**
 * Runs `node scripts/start.mjs` with exactly `env` (plus PATH and HOME unless given), so the
 * caller decides what is set and what is not (e.g. no DATABASE_URL, for the embedded Postgres).
 */
export function startSystem(env: Record<string, string>): StartedSystem {
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const pids = new Map<string, number>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const match of output.matchAll(/started (\S+) \(pid (\d+)\)/g)) {
      pids.set(match[1] as string, Number(match[2]));
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    output: () => output,
    pids: () => new Map(pids),
    exited,
    kill() {
      for (const pid of pids.values()) {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Whether a process with this pid exists; a zombie (exited, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // no procfs here: kill(pid, 0) alone decides
  }
  // The state letter follows the parenthesised command name.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `pnpm start` without its build step: the supervisor itself, as a child process. */
export interface StartedSystem {
  process: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** What it printed on stdout only. */
  stdout(): string;
  /** The pid of every process it started, by name (the latest one when it restarted one). */
  pids(): Map<string, number>;
  /** Every pid it ever started (restarted processes included). */
  allPids(): number[];
  /** Resolves with the exit code (or signal) once the supervisor has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last-resort cleanup for a failed test: kills the supervisor and every child it reported. */
  kill(): void;
}

/**
 * Runs `node scripts/start.mjs` with exactly `env` (plus PATH and HOME unless given, and free ops
 * ports, since suites run side by side), so the caller decides what is set and what is not (e.g.
 * no DATABASE_URL, for the embedded Postgres).
 * Its output goes to pipes, as in CI or a container: it writes JSON lines.
 */
export function startSystem(env: Record<string, string>): StartedSystem {
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      KEY_SERVICE_OPS_PORT: '0',
      USAGE_SERVICE_OPS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  const pids = new Map<string, number>();
  const all = new Set<number>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const match of output.matchAll(/started (\S+) \(pid (\d+)\)/g)) {
      pids.set(match[1] as string, Number(match[2]));
      all.add(Number(match[2]));
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    onData(chunk);
  });
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    output: () => output,
    stdout: () => stdout,
    pids: () => new Map(pids),
    allPids: () => [...all],
    exited,
    kill() {
      for (const pid of all) {
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

/** Every file and directory under `dir` (itself included) that anyone may write to; symlinks aside. */
export function worldWritable(dir: string): string[] {
  const found: string[] = [];
  const visit = (p: string): void => {
    const stat = lstatSync(p);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o002) !== 0) found.push(`${p} (${(stat.mode & 0o7777).toString(8)})`);
    if (stat.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return found;
}

/** The lines of `text` that are not one JSON object each (a JSON-lines stream has none). */
export function nonJsonLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .filter((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return value === null || typeof value !== 'object' || Array.isArray(value);
      } catch {
        return true;
      }
    });
}

/** The pids of the direct children of `pid` (Linux: read from /proc). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the parenthesised command name: state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

import { type ChildProcess, spawn } from 'node:child_process';

/** A child process this suite started, with its recent output kept for failure messages. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines it printed (stdout and stderr). */
  tail(): string;
  /** Whether it ever printed something matching `options.watch`. */
  sawWatched(): boolean;
  /** Resolves once it has exited. */
  readonly exited: Promise<void>;
}

const TAIL_CHARS = 8_000;

export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; watch?: RegExp } = {},
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
  let output = '';
  let watched = false;
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-TAIL_CHARS);
    if (!watched && options.watch?.test(output)) watched = true;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return { name, process: child, tail: () => output, sawWatched: () => watched, exited };
}

export function isRunning(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** Sends `signal` and waits for the exit (SIGKILL: the crash this suite is about). */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isRunning(child)) return;
  child.process.kill(signal);
  await child.exited;
}

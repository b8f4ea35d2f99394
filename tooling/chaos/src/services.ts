import path from 'node:path';
import { serviceNodeFlags, waitFor } from '@plexmcp/service-kit/testing';
import { type Child, isRunning, spawnChild, stopChild } from './child-process.js';
import { repoRoot } from './repo.js';

export type ServiceKind = 'api-gateway' | 'key-service' | 'usage-service';

/**
 * One service instance as production runs it: `node <its Node flags> apps/<kind>/dist/main.js` with
 * its environment.
 * `kill()` is a SIGKILL (a crash: nothing is flushed, nothing says goodbye); `start()` starts a
 * new process with the same environment (a gateway on the same port).
 */
export class ServiceProcess {
  private child: Child | null = null;

  constructor(
    readonly name: string,
    readonly kind: ServiceKind,
    private readonly env: Record<string, string>,
    /** For a gateway, its base URL (readiness is GET /readyz). */
    readonly url: string | null = null,
  ) {}

  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  get running(): boolean {
    return this.child !== null && isRunning(this.child);
  }

  tail(): string {
    return this.child?.tail() ?? '';
  }

  /** Starts the process and resolves once it serves (gateway: /readyz 200; services: their ready line). */
  async start(timeoutMs = 60_000): Promise<void> {
    const cwd = path.join(repoRoot, 'apps', this.kind);
    const flags = serviceNodeFlags(path.join(cwd, 'package.json'));
    const child = spawnChild(this.name, process.execPath, [...flags, 'dist/main.js'], {
      cwd,
      // OPS_PORT 0: instances of one service run side by side, each on a free ops port.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OPS_PORT: '0', ...this.env },
      watch: /key-service ready|usage-service started/,
    });
    this.child = child;
    await waitFor(
      async () => {
        if (!isRunning(child)) throw new Error(`${this.name} exited: ${child.tail()}`);
        if (this.url !== null) {
          const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
          return res.status === 200;
        }
        return child.sawWatched();
      },
      { timeoutMs, intervalMs: 100, message: `${this.name} to be ready` },
    );
  }

  /** SIGKILL: the process dies at once, with whatever it held in memory. */
  async kill(): Promise<void> {
    if (this.child) await stopChild(this.child, 'SIGKILL');
  }

  /** SIGSTOP / SIGCONT: the process is frozen (sockets stay open, nothing is processed). */
  freeze(): void {
    this.child?.process.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.process.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 'SIGTERM');
  }
}

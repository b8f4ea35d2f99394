import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import pg from 'pg';

/**
 * CPU time of processes read from the kernel, so each process is measured from the outside
 * without instrumenting it: per thread from /proc/<pid>/task/<tid>/schedstat (time on CPU in
 * nanoseconds), else — where schedstat is missing — /proc/<pid>/stat (user + system time in clock
 * ticks of 10 ms, which would need seconds of CPU per case to be precise).
 */
const TICK_US = 10_000; // USER_HZ is 100 on Linux

/** User + system CPU time of `pid` in microseconds (all its threads, from /proc/<pid>/stat); 0 once gone. */
export function cpuMicros(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** Whether this kernel keeps schedstat (CONFIG_SCHEDSTATS); asked once. */
const SCHEDSTAT = existsSync('/proc/self/schedstat');

/**
 * CPU time of each thread of `pid` in microseconds, keyed by thread id (unique system-wide), from
 * schedstat; null when the kernel has no schedstat. A thread that exits between two reads is
 * missing from the second one (see CpuMeter.diff).
 */
export function threadCpuMicros(pid: number): Map<number, number> | null {
  if (!SCHEDSTAT) return null;
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // the process is gone
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
      out.set(Number(tid), Number(text.slice(0, text.indexOf(' '))) / 1000);
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

/**
 * CPU time of the main thread of `pid` (the one that runs JavaScript) in microseconds, from
 * schedstat, or null without it. A Node server's throughput is bounded by this thread, not by
 * the process: its GC and libuv helper threads run beside it on other cores.
 */
export function mainThreadCpuMicros(pid: number): number | null {
  return threadCpuMicros(pid)?.get(pid) ?? null;
}

/** A measured role and how to find its processes (several for Postgres: one backend per connection). */
export interface CpuSource {
  name: string;
  pids(): Promise<number[]>;
}

export const fixedPids = (name: string, ...pids: number[]): CpuSource => ({
  name,
  pids: () => Promise.resolve(pids),
});

/** The local TCP ports of the sockets `pid` holds open (from /proc/<pid>/fd and /proc/net/tcp). */
function localPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/**
 * The Postgres backends serving connections opened by the processes `clientPids` (matched by the
 * client's TCP port): only this run's share of a shared server.
 */
export function postgresBackends(
  databaseUrl: string,
  clientPids: () => number[],
): CpuSource & { close(): Promise<void> } {
  const client = new pg.Client({ connectionString: databaseUrl });
  const connected = client.connect();
  return {
    name: 'postgres',
    async pids() {
      await connected;
      const ports = new Set<number>();
      for (const pid of clientPids()) for (const port of localPorts(pid)) ports.add(port);
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])',
        [[...ports]],
      );
      return rows.map((r) => r.pid);
    },
    close: () => client.end(),
  };
}

/**
 * CPU used by each source between `start()` and `stop()`. Processes are looked up at both ends, so
 * a backend that connects during the interval counts from zero and one that exits keeps what the
 * start read.
 */
export class CpuMeter {
  private before = new Map<string, Map<number, number>>();
  private startedAt = 0;
  /** Microseconds of CPU per second each source uses with no load (timers, heartbeats, sweeps). */
  private idle = new Map<string, number>();

  constructor(private readonly sources: readonly CpuSource[]) {}

  /**
   * Measures what each source uses with no load for `ms`, to be subtracted from stop()'s figures:
   * at a few hundred requests per second on a loaded machine, background work would otherwise
   * show up as cost per request.
   */
  async calibrateIdle(ms: number): Promise<void> {
    await this.start();
    await new Promise((r) => setTimeout(r, ms));
    const used = this.diff(await this.read());
    this.idle = new Map([...used].map(([name, us]) => [name, (us * 1000) / ms]));
  }

  async start(): Promise<void> {
    this.before = await this.read();
    this.startedAt = performance.now();
  }

  /** Microseconds of CPU per source since start(), less the idle use over that time (if calibrated). */
  async stop(): Promise<Map<string, number>> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const used = this.diff(await this.read());
    for (const [name, us] of used) used.set(name, Math.max(0, us - (this.idle.get(name) ?? 0) * seconds));
    return used;
  }

  /** Per process (or thread): what it used between the two reads; one gone by the second read counts 0. */
  private diff(after: Map<string, Map<number, number>>): Map<string, number> {
    const used = new Map<string, number>();
    for (const source of this.sources) {
      const start = this.before.get(source.name) ?? new Map<number, number>();
      const end = after.get(source.name) ?? new Map<number, number>();
      let total = 0;
      for (const pid of new Set([...start.keys(), ...end.keys()])) {
        const e = end.get(pid);
        const s = start.get(pid) ?? 0;
        if (e !== undefined && e >= s) total += e - s;
      }
      used.set(source.name, (used.get(source.name) ?? 0) + total);
    }
    return used;
  }

  private async read(): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    for (const source of this.sources) {
      const times = out.get(source.name) ?? new Map<number, number>();
      for (const pid of await source.pids()) {
        const threads = threadCpuMicros(pid);
        if (threads === null) times.set(pid, cpuMicros(pid));
        else for (const [tid, micros] of threads) times.set(tid, micros);
      }
      out.set(source.name, times);
    }
    return out;
  }
}

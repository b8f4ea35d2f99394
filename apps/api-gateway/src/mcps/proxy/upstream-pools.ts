import { Pool } from 'undici';

export interface UpstreamTarget {
  pool: Pool;
  /** Path and query of the upstream MCP endpoint. */
  path: string;
}

export interface UpstreamPoolOptions {
  connections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** One keep-alive undici Pool per upstream origin, shared by every MCP on that origin. */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, UpstreamTarget>();

  constructor(private readonly options: UpstreamPoolOptions) {}

  target(upstreamUrl: string): UpstreamTarget {
    let target = this.targets.get(upstreamUrl);
    if (target === undefined) {
      const url = new URL(upstreamUrl);
      let pool = this.pools.get(url.origin);
      if (pool === undefined) {
        pool = new Pool(url.origin, {
          connections: this.options.connections,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          headersTimeout: this.options.headersTimeoutMs,
          bodyTimeout: this.options.bodyTimeoutMs,
        });
        this.pools.set(url.origin, pool);
      }
      target = { pool, path: url.pathname + url.search };
      if (this.targets.size > 10_000) this.targets.clear();
      this.targets.set(upstreamUrl, target);
    }
    return target;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.targets.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

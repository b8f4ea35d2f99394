import type { LookupFunction } from 'node:net';
import { OutboundAddressPolicy } from '@plexmcp/contracts';
import { assertConnectHostAllowed, guardedLookup } from '@plexmcp/service-kit';
import { Pool, buildConnector } from 'undici';

export interface UpstreamTarget {
  pool: Pool;
  /** Path and query of the upstream MCP endpoint. */
  path: string;
}

export interface UpstreamPoolOptions {
  connections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** MCP_UPSTREAM_ALLOWED_NETWORKS: non-public networks upstream connections may reach. */
  allowedNetworks: readonly string[];
  /** Name resolution of upstream hosts; default `dns.lookup`. Tests inject a resolver. */
  lookup?: LookupFunction;
}

/**
 * Connects only to addresses the policy permits, checked on the address the socket really uses:
 * a name through a guarded `lookup` (so a DNS answer that changed since the MCP was registered
 * cannot lead elsewhere), an address literal — which sockets never look up — before connecting.
 * A refusal fails the request with `BlockedAddressError` before anything is sent.
 */
export function guardedConnector(
  policy: OutboundAddressPolicy,
  lookup?: LookupFunction,
): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(policy, lookup) });
  return (options, callback) => {
    try {
      assertConnectHostAllowed(options.hostname, policy);
    } catch (err) {
      callback(err as Error, null);
      return;
    }
    connect(options, callback);
  };
}

/** One keep-alive undici Pool per upstream origin, shared by every MCP on that origin. */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, UpstreamTarget>();
  private readonly connect: buildConnector.connector;

  constructor(private readonly options: UpstreamPoolOptions) {
    this.connect = guardedConnector(new OutboundAddressPolicy(options.allowedNetworks), options.lookup);
  }

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
          connect: this.connect,
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

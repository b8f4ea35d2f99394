import { type McpRoute, Subjects, resolveMcpReplySchema } from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { LRUCache } from 'lru-cache';

interface CachedRoute {
  route: McpRoute | null;
  expiresAt: number;
}

/**
 * MCP routing records (upstream URL and the MCP's own upstream headers) from `mcps.resolve`,
 * cached briefly and evicted on `mcp.updated`. Same in-flight rules as the key cache: an answer
 * that raced an eviction is used once and not stored.
 */
export class McpRouteCache {
  private readonly cache = new LRUCache<string, CachedRoute>({ max: 10_000 });
  private readonly inflight = new Map<string, Promise<McpRoute | null>>();
  private epoch = 0;
  private readonly evictionListeners: ((mcpId: string | null) => void)[] = [];

  constructor(
    private readonly rpc: NatsRpcClient,
    private readonly ttlMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** The route, or null when no such MCP exists. Rejects with `service_unavailable`. */
  resolve(mcpId: string, now: number): McpRoute | null | Promise<McpRoute | null> {
    const hit = this.cache.get(mcpId);
    if (hit !== undefined && hit.expiresAt > now) return hit.route;
    const pending = this.inflight.get(mcpId);
    if (pending !== undefined) return pending;
    const epoch = this.epoch;
    const lookup = this.rpc
      .call(Subjects.mcps.resolve, { id: mcpId }, resolveMcpReplySchema, {
        timeoutMs: this.timeoutMs,
        idempotent: true,
      })
      .then(
        ({ route }) => {
          if (this.inflight.get(mcpId) === lookup) this.inflight.delete(mcpId);
          if (epoch === this.epoch) this.cache.set(mcpId, { route, expiresAt: Date.now() + this.ttlMs });
          return route;
        },
        (err: unknown) => {
          if (this.inflight.get(mcpId) === lookup) this.inflight.delete(mcpId);
          throw err;
        },
      );
    this.inflight.set(mcpId, lookup);
    return lookup;
  }

  /** Called after every eviction with the MCP id, or null when every route was dropped. */
  onEviction(listener: (mcpId: string | null) => void): void {
    this.evictionListeners.push(listener);
  }

  evict(mcpId: string): void {
    this.epoch += 1;
    this.inflight.delete(mcpId);
    this.cache.delete(mcpId);
    for (const listener of this.evictionListeners) listener(mcpId);
  }

  clear(): void {
    this.epoch += 1;
    this.inflight.clear();
    this.cache.clear();
    for (const listener of this.evictionListeners) listener(null);
  }
}

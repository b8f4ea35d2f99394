export interface UpstreamAdmissionLimits {
  /** Most exchanges one organization may have in flight on one upstream pool. */
  perOrganization: number;
  /** Most exchanges one key may have in flight on one upstream pool. */
  perKey: number;
}

interface PoolCounts {
  readonly organizations: Map<string, number>;
  readonly keys: Map<string, number>;
}

export type AdmissionRefusal = 'organization' | 'key';

function increment(map: Map<string, number>, id: string): void {
  map.set(id, (map.get(id) ?? 0) + 1);
}

function decrement(map: Map<string, number>, id: string): void {
  const n = map.get(id);
  if (n === undefined) return;
  if (n <= 1) map.delete(id);
  else map.set(id, n - 1);
}

/**
 * Fair shares of a shared upstream pool. Every MCP on one origin shares one undici pool of
 * UPSTREAM_CONNECTIONS connections (pipelining 1: an exchange holds a connection until its response
 * ends, an SSE stream for as long as it is open). Without a bound, one organization holding long
 * streams took every connection and the other organizations' requests waited in the pool's queue.
 * Here an organization may hold at most `perOrganization` exchanges on a pool and a key at most
 * `perKey`; over either, the request is refused at once (429 `rate_limited`, `Retry-After`)
 * rather than queued behind streams that may never end.
 */
export class UpstreamAdmission {
  private readonly pools = new WeakMap<object, PoolCounts>();

  constructor(private readonly limits: UpstreamAdmissionLimits) {}

  /** Takes a place for the exchange, or says which bound refused it. Release an admitted one once. */
  acquire(pool: object, orgId: string, keyId: string): AdmissionRefusal | null {
    let counts = this.pools.get(pool);
    if (counts === undefined) {
      counts = { organizations: new Map(), keys: new Map() };
      this.pools.set(pool, counts);
    }
    if ((counts.organizations.get(orgId) ?? 0) >= this.limits.perOrganization) return 'organization';
    if ((counts.keys.get(keyId) ?? 0) >= this.limits.perKey) return 'key';
    increment(counts.organizations, orgId);
    increment(counts.keys, keyId);
    return null;
  }

  release(pool: object, orgId: string, keyId: string): void {
    const counts = this.pools.get(pool);
    if (counts === undefined) return;
    decrement(counts.organizations, orgId);
    decrement(counts.keys, keyId);
  }

  /** Exchanges in flight on a pool for an organization (for tests and metrics). */
  inFlight(pool: object, orgId: string): number {
    return this.pools.get(pool)?.organizations.get(orgId) ?? 0;
  }
}

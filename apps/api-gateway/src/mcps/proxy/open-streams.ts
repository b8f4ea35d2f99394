/** One proxied exchange in flight (a JSON answer still coming, or an SSE stream held open). */
export interface OpenStream {
  readonly keyHash: string;
  readonly orgId: string;
  readonly mcpId: string;
  /** Ends the exchange at once: the client's connection and the upstream request are dropped. */
  close(): void;
}

type Index = Map<string, Set<OpenStream>>;

function index(map: Index, id: string, stream: OpenStream): void {
  let set = map.get(id);
  if (set === undefined) {
    set = new Set();
    map.set(id, set);
  }
  set.add(stream);
}

function unindex(map: Index, id: string, stream: OpenStream): void {
  const set = map.get(id);
  if (set === undefined) return;
  set.delete(stream);
  if (set.size === 0) map.delete(id);
}

/**
 * Every proxied MCP exchange still open on this instance, indexed by key hash, so that an eviction
 * reaches the streams the evicted decision admitted: a revoked, expired or changed key, a
 * suspended organization, or a changed MCP ends its open streams here, instead of an SSE stream
 * outliving the decision that let it through.
 *
 * Only keys are indexed: every proxied request enters and leaves this registry, while an
 * organization or an MCP is evicted rarely (suspended, changed), so those walk the open streams
 * instead of costing every request two more index updates in and two out.
 */
export class OpenStreams {
  private readonly byKey: Index = new Map();
  private readonly all = new Set<OpenStream>();

  get size(): number {
    return this.all.size;
  }

  add(stream: OpenStream): void {
    this.all.add(stream);
    index(this.byKey, stream.keyHash, stream);
  }

  delete(stream: OpenStream): void {
    if (!this.all.delete(stream)) return;
    unindex(this.byKey, stream.keyHash, stream);
  }

  /** Closes the streams of one key; returns how many. */
  closeKey(keyHash: string): number {
    return this.closeAll([...(this.byKey.get(keyHash) ?? [])]);
  }

  closeOrganization(orgId: string): number {
    return this.closeAll([...this.all].filter((stream) => stream.orgId === orgId));
  }

  closeMcp(mcpId: string): number {
    return this.closeAll([...this.all].filter((stream) => stream.mcpId === mcpId));
  }

  /** Closes every stream (the decisions behind them can no longer be trusted). */
  closeEvery(): number {
    return this.closeAll([...this.all]);
  }

  /** `streams` is a copy: closing deletes from the sets it was taken from. */
  private closeAll(streams: readonly OpenStream[]): number {
    for (const stream of streams) {
      this.delete(stream);
      stream.close();
    }
    return streams.length;
  }
}

import { LinkedList, type Links } from './linked-list.js';

/** One proxied exchange in flight (a JSON answer still coming, or an SSE stream held open). */
export interface OpenStream {
  readonly keyHash: string;
  readonly orgId: string;
  readonly mcpId: string;
  /** Ends the exchange at once: the client's connection and the upstream request are dropped. */
  close(): void;
  /** Its place among all open streams, and among its key's (see LinkedList). */
  readonly openLinks: Links<OpenStream>;
  readonly keyLinks: Links<OpenStream>;
}

const openLinksOf = (stream: OpenStream): Links<OpenStream> => stream.openLinks;
const keyLinksOf = (stream: OpenStream): Links<OpenStream> => stream.keyLinks;

/**
 * Every proxied MCP exchange still open on this instance, indexed by key hash, so that an eviction
 * reaches the streams the evicted decision admitted: a revoked, expired or changed key, a
 * suspended organization, or a changed MCP ends its open streams here, instead of an SSE stream
 * outliving the decision that let it through.
 *
 * Only keys are indexed: every proxied request enters and leaves this registry, while an
 * organization or an MCP is evicted rarely (suspended, changed), so those walk the open streams
 * instead of costing every request two more index updates in and two out. Both are linked lists
 * threaded through the streams themselves, not Sets (see LinkedList for why).
 */
export class OpenStreams {
  private readonly byKey = new Map<string, LinkedList<OpenStream>>();
  private readonly all = new LinkedList<OpenStream>(openLinksOf);

  get size(): number {
    return this.all.size;
  }

  add(stream: OpenStream): void {
    this.all.add(stream);
    let ofKey = this.byKey.get(stream.keyHash);
    if (ofKey === undefined) {
      ofKey = new LinkedList(keyLinksOf);
      this.byKey.set(stream.keyHash, ofKey);
    }
    ofKey.add(stream);
  }

  delete(stream: OpenStream): void {
    if (!this.all.delete(stream)) return;
    const ofKey = this.byKey.get(stream.keyHash);
    if (ofKey === undefined) return;
    ofKey.delete(stream);
    if (ofKey.size === 0) this.byKey.delete(stream.keyHash);
  }

  /** Closes the streams of one key; returns how many. */
  closeKey(keyHash: string): number {
    return this.closeAll(this.byKey.get(keyHash)?.toArray() ?? []);
  }

  closeOrganization(orgId: string): number {
    return this.closeAll(this.all.toArray().filter((stream) => stream.orgId === orgId));
  }

  closeMcp(mcpId: string): number {
    return this.closeAll(this.all.toArray().filter((stream) => stream.mcpId === mcpId));
  }

  /** Closes every stream (the decisions behind them can no longer be trusted). */
  closeEvery(): number {
    return this.closeAll(this.all.toArray());
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

import {
  type KeyPolicy,
  Subjects,
  type ValidateKeyReply,
  type ValidationStatus,
  policyExpiry,
  validateKeyReplySchema,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { LRUCache } from 'lru-cache';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/** What the key-service said about one key hash, and until when this gateway may repeat it. */
export interface KeyDecision {
  readonly status: ValidationStatus;
  readonly policy: KeyPolicy | null;
  /** Epoch milliseconds after which the decision must be fetched again. */
  readonly expiresAt: number;
}

export interface KeyDecisionCacheOptions {
  /** Longest life of an `active` answer (it also ends when the key expires). */
  positiveTtlMs: number;
  /** Life of an unknown/revoked/expired/suspended answer. */
  negativeTtlMs: number;
  maxEntries: number;
  /** Timeout of one `keys.validate` call; past it the request fails closed. */
  timeoutMs: number;
  /**
   * Whether cached decisions may be served at `now` (the heartbeat publisher's view: the
   * key-service still answers this instance). While false every lookup asks the key-service and
   * nothing is cached. Default: always.
   */
  trusted?: (now: number) => boolean;
}

export type EvictionCause =
  'key_event' | 'org_event' | 'invalid_event' | 'disconnect' | 'reconnect' | 'unacknowledged';

/** What an eviction covered: one key, one organization's keys, or every key. */
export type KeyEviction =
  | { readonly scope: 'key'; readonly keyHash: string }
  | { readonly scope: 'organization'; readonly orgId: string }
  | { readonly scope: 'all'; readonly cause: EvictionCause };

/**
 * The local decision cache keyed by key hash. A hit costs no network round trip; a miss asks the
 * key-service (`keys.validate`) once, however many requests are waiting for the same key.
 *
 * Eviction is exact even while a validation is in flight: every eviction bumps an epoch and drops
 * the in-flight lookups, so an answer computed before a revoke is never stored, and a request that
 * starts after the eviction never joins a lookup that started before it.
 */
export class KeyDecisionCache {
  private readonly cache: LRUCache<string, KeyDecision>;
  private readonly inflight = new Map<string, Promise<KeyDecision>>();
  private epoch = 0;
  private readonly evictionListeners: ((eviction: KeyEviction) => void)[] = [];
  private readonly hits: { inc(): void };
  private readonly misses: { inc(): void };

  constructor(
    private readonly rpc: NatsRpcClient,
    private readonly options: KeyDecisionCacheOptions,
    private readonly metrics: GatewayMetrics,
  ) {
    this.cache = new LRUCache<string, KeyDecision>({ max: options.maxEntries });
    this.hits = metrics.tally(metrics.cacheLookups, { result: 'hit' });
    this.misses = metrics.tally(metrics.cacheLookups, { result: 'miss' });
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * Called after every eviction, for what else the evicted decisions let through (the MCP
   * proxy's open streams). Runs synchronously, before an event's acknowledgement is sent.
   */
  onEviction(listener: (eviction: KeyEviction) => void): void {
    this.evictionListeners.push(listener);
  }

  private evicted(eviction: KeyEviction): void {
    for (const listener of this.evictionListeners) listener(eviction);
  }

  /**
   * The cached decision if still fresh; never touches the network. Once cached decisions are no
   * longer trusted (see `trusted`), the cache is dropped and every lookup misses.
   */
  peek(keyHash: string, now: number): KeyDecision | undefined {
    if (!this.isTrusted(now)) {
      if (this.cache.size > 0) this.clear('unacknowledged');
      this.misses.inc();
      return undefined;
    }
    const hit = this.cache.get(keyHash);
    if (hit !== undefined) {
      if (hit.expiresAt > now) {
        this.hits.inc();
        return hit;
      }
      this.cache.delete(keyHash);
    }
    this.misses.inc();
    return undefined;
  }

  /**
   * Whether a decision for this key hash is held (fresh or not): the key-service was asked about
   * it, so the key it hashes was well-formed. No metrics, no recency update, no network.
   */
  knows(keyHash: string): boolean {
    return this.cache.has(keyHash);
  }

  /** Asks the key-service. Rejects with AppError `service_unavailable` when it does not answer. */
  load(keyHash: string): Promise<KeyDecision> {
    const pending = this.inflight.get(keyHash);
    if (pending !== undefined) return pending;
    const epoch = this.epoch;
    const lookup = this.rpc
      .call(Subjects.keys.validate, { key_hash: keyHash }, validateKeyReplySchema, {
        timeoutMs: this.options.timeoutMs,
        // A read: when the key-service that took it dies, another instance answers in time.
        idempotent: true,
      })
      .then((reply) => {
        const decision = this.toDecision(reply, Date.now());
        if (this.inflight.get(keyHash) === lookup) this.inflight.delete(keyHash);
        // An eviction happened while we waited: the answer may predate it, use it once only.
        if (epoch === this.epoch && this.isTrusted(Date.now())) this.cache.set(keyHash, decision);
        return decision;
      })
      .catch((err: unknown) => {
        if (this.inflight.get(keyHash) === lookup) this.inflight.delete(keyHash);
        throw err;
      });
    this.inflight.set(keyHash, lookup);
    return lookup;
  }

  evictKey(keyHash: string, cause: EvictionCause = 'key_event'): void {
    this.epoch += 1;
    this.inflight.delete(keyHash);
    if (this.cache.delete(keyHash)) this.metrics.cacheEvictions.inc({ cause });
    this.evicted({ scope: 'key', keyHash });
  }

  evictOrganization(orgId: string): void {
    this.epoch += 1;
    this.inflight.clear();
    let evicted = 0;
    for (const [hash, decision] of this.cache.entries()) {
      if (decision.policy?.org_id === orgId) {
        this.cache.delete(hash);
        evicted += 1;
      }
    }
    if (evicted > 0) this.metrics.cacheEvictions.inc({ cause: 'org_event' }, evicted);
    this.evicted({ scope: 'organization', orgId });
  }

  clear(cause: EvictionCause): void {
    this.epoch += 1;
    this.inflight.clear();
    const evicted = this.cache.size;
    this.cache.clear();
    if (evicted > 0) this.metrics.cacheEvictions.inc({ cause }, evicted);
    this.evicted({ scope: 'all', cause });
  }

  private isTrusted(now: number): boolean {
    return this.options.trusted?.(now) ?? true;
  }

  private toDecision(reply: ValidateKeyReply, now: number): KeyDecision {
    if (reply.status === 'active' && reply.policy !== null) {
      const keyExpiry = policyExpiry(reply.policy);
      return {
        status: reply.status,
        policy: reply.policy,
        expiresAt: Math.min(now + this.options.positiveTtlMs, keyExpiry),
      };
    }
    return { status: reply.status, policy: reply.policy, expiresAt: now + this.options.negativeTtlMs };
  }
}

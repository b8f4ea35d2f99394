import { describe, expect, it } from '@jest/globals';
import { AppError, type KeyPolicy, type ValidateKeyReply } from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { KeyDecisionCache } from './key-decision-cache.js';

const HASH = 'a'.repeat(64);
const policy = (expiresInMs: number): KeyPolicy => ({
  key_id: 'key_0000000000000000000001',
  org_id: 'org_0000000000000000000001',
  mode: 'live',
  permissions: { mcps: '*' },
  scopes: [],
  rate_limit: null,
  usage_limit: null,
  expires_at: new Date(Date.now() + expiresInMs).toISOString(),
  ip_allowlist: null,
  org_monthly_limit: null,
});

/** A key-service stand-in for unit tests: answers are released by the test, one by one. */
class ScriptedValidator {
  calls = 0;
  private pending: Array<(reply: ValidateKeyReply | Error) => void> = [];
  call(): Promise<ValidateKeyReply> {
    this.calls += 1;
    return new Promise((resolve, reject) => {
      this.pending.push((reply) => (reply instanceof Error ? reject(reply) : resolve(reply)));
    });
  }
  answer(reply: ValidateKeyReply | Error): void {
    this.pending.shift()!(reply);
  }
}

function cacheWith(
  validator: ScriptedValidator,
  ttl = 60_000,
  trusted?: (now: number) => boolean,
): KeyDecisionCache {
  return new KeyDecisionCache(
    validator as unknown as NatsRpcClient,
    { positiveTtlMs: ttl, negativeTtlMs: 1_000, maxEntries: 100, timeoutMs: 100, trusted },
    new GatewayMetrics({ collectDefaults: false }),
  );
}

describe('KeyDecisionCache', () => {
  it('asks once for concurrent misses and serves the answer from memory afterwards', async () => {
    const v = new ScriptedValidator();
    const cache = cacheWith(v);
    const a = cache.load(HASH);
    const b = cache.load(HASH);
    v.answer({ status: 'active', policy: policy(3_600_000) });
    expect((await a).status).toBe('active');
    expect(await b).toBe(await a);
    expect(v.calls).toBe(1);
    expect(cache.peek(HASH, Date.now())?.status).toBe('active');
  });

  it('while its heartbeats go unanswered it serves nothing from memory and caches nothing; trusted again, it caches', async () => {
    const v = new ScriptedValidator();
    let trusted = true;
    const cache = cacheWith(v, 60_000, () => trusted);
    const evictions: string[] = [];
    cache.onEviction((e) => evictions.push(e.scope));
    const first = cache.load(HASH);
    v.answer({ status: 'active', policy: policy(3_600_000) });
    await first;
    expect(cache.peek(HASH, Date.now())?.status).toBe('active');

    trusted = false; // stalled or cut off from the key-service: a revoke may have been missed
    expect(cache.peek(HASH, Date.now())).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(evictions).toEqual(['all']); // open streams of cached keys are closed too
    const asked = cache.load(HASH);
    v.answer({ status: 'revoked', policy: policy(3_600_000) });
    expect((await asked).status).toBe('revoked');
    expect(cache.size).toBe(0);
    expect(cache.peek(HASH, Date.now())).toBeUndefined();
    expect(evictions).toEqual(['all']);

    trusted = true;
    const again = cache.load(HASH);
    v.answer({ status: 'revoked', policy: policy(3_600_000) });
    await again;
    expect(cache.peek(HASH, Date.now())?.status).toBe('revoked');
  });

  it('never stores an answer that raced an eviction, and later requests do not join the old lookup', async () => {
    const v = new ScriptedValidator();
    const cache = cacheWith(v);
    const before = cache.load(HASH);
    cache.evictKey(HASH); // the revoke event arrives while the lookup is in flight
    const after = cache.load(HASH);
    expect(v.calls).toBe(2);
    v.answer({ status: 'active', policy: policy(3_600_000) });
    v.answer({ status: 'revoked', policy: policy(3_600_000) });
    expect((await before).status).toBe('active');
    expect((await after).status).toBe('revoked');
    expect(cache.peek(HASH, Date.now())?.status).toBe('revoked');
  });

  it('a cached allow ends at the key expiry even when the TTL is longer', async () => {
    const v = new ScriptedValidator();
    const cache = cacheWith(v, 3_600_000);
    const pending = cache.load(HASH);
    v.answer({ status: 'active', policy: policy(1_000) });
    const decision = await pending;
    expect(decision.expiresAt).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(cache.peek(HASH, Date.now() + 1_001)).toBeUndefined();
  });

  it('propagates a key-service failure and caches nothing', async () => {
    const v = new ScriptedValidator();
    const cache = cacheWith(v);
    const pending = cache.load(HASH);
    v.answer(new AppError('service_unavailable'));
    await expect(pending).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(cache.peek(HASH, Date.now())).toBeUndefined();
  });

  it('evicts every key of an organization, and everything on clear', async () => {
    const v = new ScriptedValidator();
    const cache = cacheWith(v);
    const p = cache.load(HASH);
    v.answer({ status: 'active', policy: policy(3_600_000) });
    await p;
    cache.evictOrganization('org_0000000000000000000001');
    expect(cache.peek(HASH, Date.now())).toBeUndefined();
    const q = cache.load(HASH);
    v.answer({ status: 'active', policy: policy(3_600_000) });
    await q;
    cache.clear('reconnect');
    expect(cache.size).toBe(0);
  });
});

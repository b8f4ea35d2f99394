import { describe, expect, it } from '@jest/globals';
import { parseList } from 'structured-headers';
import { KeyRateLimiter } from './key-rate-limiter.js';
import { MemoryRateLimitStore } from './rate-limit-store.js';

/** A structured-field List as `[name, {param: value}]` pairs; throws when it does not parse. */
function items(field: string | undefined): [unknown, Record<string, unknown>][] {
  return parseList(field ?? '').map(([value, params]) => [value, Object.fromEntries(params)]);
}

describe('KeyRateLimiter headers (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('a key within its rate: RateLimit-Policy names the per-second quota, RateLimit counts down', async () => {
    const limiter = new KeyRateLimiter(new MemoryRateLimitStore());
    const limit = { requests_per_second: 3, burst: 3 };
    const first = await limiter.consume('key_a', limit);
    const second = await limiter.consume('key_a', limit);
    expect(first.allowed && second.allowed).toBe(true);
    expect(items(first.headers['ratelimit-policy'])).toEqual([['default', { q: 3, w: 1 }]]);
    expect(items(first.headers.ratelimit)).toEqual([['default', { r: 2, t: 1 }]]);
    expect(items(second.headers.ratelimit)).toEqual([['default', { r: 1, t: 1 }]]);
    expect(first.headers['retry-after']).toBeUndefined();
    // The earlier draft's fields, which clients already read, stay.
    expect(second.headers).toMatchObject({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '1',
      'ratelimit-reset': '1',
    });
  });

  it('a burst above the rate is a second policy, reported once the second is used up; refusal adds Retry-After', async () => {
    const limiter = new KeyRateLimiter(new MemoryRateLimitStore());
    const limit = { requests_per_second: 1, burst: 3 };
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await limiter.consume('key_b', limit));
    expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false]);
    for (const o of outcomes) {
      expect(items(o.headers['ratelimit-policy'])).toEqual([
        ['default', { q: 1, w: 1 }],
        ['burst', { q: 2, w: 60 }],
      ]);
    }
    expect(items(outcomes[0]!.headers.ratelimit)).toEqual([['default', { r: 0, t: 1 }]]);
    expect(items(outcomes[1]!.headers.ratelimit)).toEqual([
      ['default', { r: 0, t: 1 }],
      ['burst', { r: 1, t: 60 }],
    ]);
    const refused = outcomes[3]!;
    expect(items(refused.headers.ratelimit)).toEqual([
      ['default', { r: 0, t: 1 }],
      ['burst', { r: 0, t: 60 }],
    ]);
    // The next second's quota is what lets the next request through.
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
  });

  it('keys are counted apart, even with the same limit', async () => {
    const limiter = new KeyRateLimiter(new MemoryRateLimitStore());
    const limit = { requests_per_second: 1, burst: 1 };
    expect((await limiter.consume('key_c', limit)).allowed).toBe(true);
    expect((await limiter.consume('key_c', limit)).allowed).toBe(false);
    expect((await limiter.consume('key_d', limit)).allowed).toBe(true);
  });
});

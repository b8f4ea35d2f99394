import { describe, expect, it } from '@jest/globals';
import { lockedFor, lockoutAfter } from './lockout.js';

describe('sign-in lockout', () => {
  const policy = { freeAttempts: 5, baseMs: 30_000, maxMs: 3_600_000 };

  it('lets the first five failures pass, then locks for 30 s doubling each time, up to one hour', () => {
    expect([1, 2, 3, 4, 5].map((n) => lockoutAfter(n, policy))).toEqual([0, 0, 0, 0, 0]);
    expect([6, 7, 8, 9].map((n) => lockoutAfter(n, policy))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(lockoutAfter(12, policy)).toBe(1_920_000);
    expect(lockoutAfter(13, policy)).toBe(3_600_000);
    expect(lockoutAfter(10_000, policy)).toBe(3_600_000);
  });

  it('counts down to zero', () => {
    const until = new Date(100_000);
    expect(lockedFor(until, 70_000)).toBe(30_000);
    expect(lockedFor(until, 100_000)).toBe(0);
    expect(lockedFor(null, 0)).toBe(0);
  });
});

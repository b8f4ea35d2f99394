import { describe, expect, it } from '@jest/globals';
import { DatabaseProbe } from './database.js';

describe('DatabaseProbe', () => {
  it('is up when the check succeeds and down when it fails', async () => {
    await expect(new DatabaseProbe(() => Promise.resolve(1), 1_000).up()).resolves.toBe(true);
    await expect(new DatabaseProbe(() => Promise.reject(new Error('refused')), 1_000).up()).resolves.toBe(
      false,
    );
  });

  it('answers false after the timeout when the check hangs, and shares the hung check', async () => {
    let calls = 0;
    let release!: () => void;
    const probe = new DatabaseProbe(() => {
      calls += 1;
      return calls === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    }, 20);

    const started = Date.now();
    await expect(probe.up()).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(probe.up()).resolves.toBe(false);
    expect(calls).toBe(1);

    // Once the hung check ends, the next call runs a fresh one.
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(probe.up()).resolves.toBe(true);
    expect(calls).toBe(2);
  });
});

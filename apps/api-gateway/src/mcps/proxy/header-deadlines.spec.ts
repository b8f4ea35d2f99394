import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { type AwaitingHeaders, HeaderDeadlines } from './header-deadlines.js';
import { Links } from './linked-list.js';

describe('HeaderDeadlines', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('expires each pending entry once its deadline passed, and never one that got its headers', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const deadlines = new HeaderDeadlines(1_000);
    const expired: string[] = [];
    const entry = (name: string, deadline: number) => ({
      deadline,
      expire: () => expired.push(name),
      deadlineLinks: new Links<AwaitingHeaders>(),
    });
    const early = entry('early', 1_000_500);
    const answered = entry('answered', 1_000_500);
    const late = entry('late', 1_002_000);
    deadlines.add(early);
    deadlines.add(answered);
    deadlines.add(late);
    deadlines.delete(answered);

    jest.advanceTimersByTime(400);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(200);
    expect(expired).toEqual(['early']);
    jest.advanceTimersByTime(2_000);
    expect(expired).toEqual(['early', 'late']);
    expect(deadlines.size).toBe(0);
    // Nothing pending: the timer stopped.
    expect(jest.getTimerCount()).toBe(0);
    deadlines.close();
  });
});

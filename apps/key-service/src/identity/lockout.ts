/**
 * Per-account lockout with back-off: the first `freeAttempts` consecutive wrong passwords (or
 * second-factor codes) cost nothing; each further one locks the account for `baseMs`, doubling
 * with every failure, up to `maxMs`. A correct sign-in resets the count. The gateway's per-IP
 * throttle (AUTH_FAILURES_PER_MINUTE) limits one client across accounts; this limits many
 * clients against one account.
 */
export interface LockoutPolicy {
  freeAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** How long the account is locked after its `failures`-th consecutive failure (0: not locked). */
export function lockoutAfter(failures: number, policy: LockoutPolicy): number {
  const over = failures - policy.freeAttempts;
  if (over <= 0) return 0;
  // 2^(over-1) grows past any max quickly; cap the exponent so it never overflows.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(over - 1, 30));
}

/** Milliseconds the account stays locked at `now` (0: it may try). */
export function lockedFor(lockedUntil: Date | null, now: number): number {
  return lockedUntil === null ? 0 : Math.max(0, lockedUntil.getTime() - now);
}

import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Throttles failed authentications per client IP so keys cannot be guessed at speed: after
 * `perMinute` failures within a minute, every request from that IP is 429 until the minute ends —
 * valid keys included, otherwise the answer would still tell a guesser when a guess was right.
 * Counting is rate-limiter-flexible's; the blocked set makes the per-request check a Map lookup.
 */
export class FailedAttemptThrottle {
  private readonly limiter: RateLimiterMemory;
  private readonly blockedUntil = new Map<string, number>();

  constructor(readonly perMinute: number) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60, keyPrefix: 'auth-failures' });
  }

  /** Milliseconds the IP is still blocked for, or 0. */
  blockedFor(ip: string | null, now: number): number {
    if (this.blockedUntil.size === 0) return 0;
    const until = this.blockedUntil.get(ip ?? '');
    if (until === undefined) return 0;
    if (until <= now) {
      this.blockedUntil.delete(ip ?? '');
      return 0;
    }
    return until - now;
  }

  /** Records one failed attempt; once over the limit the IP is blocked until its window ends. */
  recordFailure(ip: string | null): void {
    const key = ip ?? '';
    this.limiter.consume(key).then(
      (res) => {
        if (res.remainingPoints <= 0) this.block(key, res.msBeforeNext);
      },
      (res: unknown) => {
        if (res instanceof RateLimiterRes) this.block(key, res.msBeforeNext);
      },
    );
  }

  private block(key: string, ms: number): void {
    if (this.blockedUntil.size > 100_000) this.sweep(Date.now());
    this.blockedUntil.set(key, Date.now() + ms);
  }

  private sweep(now: number): void {
    for (const [ip, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(ip);
  }
}

import type { RateLimit } from '@plexmcp/contracts';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitOutcome {
  allowed: boolean;
  /** `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (+ `Retry-After` when refused). */
  headers: Record<string, string>;
}

/** Extra requests above the per-second rate are allowed this often (the burst refill window). */
const BURST_WINDOW_SECONDS = 60;

/**
 * Per-key rate limits (rate-limiter-flexible, in memory, per gateway instance). A key with
 * `{requests_per_second: r, burst: b}` gets r requests per second, and when a second overflows it
 * may borrow from a burst allowance of max(b - r, 0) extra requests per minute, so a short spike up
 * to b requests in one second passes while the sustained rate stays close to r.
 */
export class KeyRateLimiter {
  private readonly limiters = new Map<string, RateLimiterMemory | BurstyRateLimiter>();

  async consume(keyId: string, limit: RateLimit): Promise<RateLimitOutcome> {
    const limiter = this.limiterFor(limit);
    try {
      const res = await limiter.consume(keyId);
      return { allowed: true, headers: headers(limit, res) };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const out = headers(limit, rejection);
      out['retry-after'] = String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      return { allowed: false, headers: out };
    }
  }

  private limiterFor(limit: RateLimit): RateLimiterMemory | BurstyRateLimiter {
    const id = `${limit.requests_per_second}:${limit.burst}`;
    let limiter = this.limiters.get(id);
    if (limiter === undefined) {
      const extra = Math.max(limit.burst - limit.requests_per_second, 0);
      const perSecond = new RateLimiterMemory({
        points: limit.requests_per_second,
        duration: 1,
        keyPrefix: `rps:${id}`,
      });
      limiter =
        extra === 0
          ? perSecond
          : new BurstyRateLimiter(
              perSecond,
              new RateLimiterMemory({
                points: extra,
                duration: BURST_WINDOW_SECONDS,
                keyPrefix: `burst:${id}`,
              }),
            );
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function headers(limit: RateLimit, res: RateLimiterRes): Record<string, string> {
  return {
    'ratelimit-limit': String(limit.requests_per_second),
    'ratelimit-remaining': String(Math.max(0, res.remainingPoints)),
    'ratelimit-reset': String(Math.max(0, Math.ceil(res.msBeforeNext / 1000))),
  };
}

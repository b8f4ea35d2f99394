import type { RateLimit } from '@plexmcp/contracts';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitStore } from './rate-limit-store.js';

export interface RateLimitOutcome {
  allowed: boolean;
  /**
   * `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10), the earlier
   * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, and `Retry-After` when refused.
   */
  headers: Record<string, string>;
}

/** Extra requests above the per-second rate are allowed this often (the burst refill window). */
const BURST_WINDOW_SECONDS = 60;

interface KeyLimiters {
  perSecond: RateLimiterAbstract;
  /** Absent when the burst is not above the rate. */
  burst?: RateLimiterAbstract;
  /** The `RateLimit-Policy` field value: the same for every response of keys with this limit. */
  policy: string;
}

interface Consumed {
  allowed: boolean;
  res: RateLimiterRes;
}

/**
 * Per-key rate limits (rate-limiter-flexible; counted in the gateway's RateLimitStore: in this
 * process, or in Redis shared by every gateway). A key with `{requests_per_second: r, burst: b}`
 * gets r requests per second, and when a second overflows it may borrow from a burst allowance of
 * max(b - r, 0) extra requests per minute, so a short spike up to b requests in one second passes
 * while the sustained rate stays close to r. The burst allowance is consulted only when the second
 * is used up, so a request within the rate costs one counter update.
 */
export class KeyRateLimiter {
  private readonly limiters = new Map<string, KeyLimiters>();

  constructor(private readonly store: RateLimitStore) {}

  async consume(keyId: string, limit: RateLimit): Promise<RateLimitOutcome> {
    const limiters = this.limitersFor(limit);
    const second = await settle(limiters.perSecond.consume(keyId));
    const borrowed =
      second.allowed || limiters.burst === undefined
        ? undefined
        : await settle(limiters.burst.consume(keyId));
    const allowed = second.allowed || borrowed?.allowed === true;
    // As rate-limiter-flexible's BurstyRateLimiter: the wait is until the sooner window refills.
    const msBeforeNext = Math.min(second.res.msBeforeNext, borrowed?.res.msBeforeNext ?? Infinity);
    const headers: Record<string, string> = {
      'ratelimit-policy': limiters.policy,
      ratelimit:
        serviceLimit('default', second.res) +
        (borrowed === undefined ? '' : ', ' + serviceLimit('burst', borrowed.res)),
      'ratelimit-limit': String(limit.requests_per_second),
      'ratelimit-remaining': String(Math.max(0, second.res.remainingPoints)),
      'ratelimit-reset': String(seconds(msBeforeNext)),
    };
    if (!allowed) headers['retry-after'] = String(Math.max(1, seconds(msBeforeNext)));
    return { allowed, headers };
  }

  private limitersFor(limit: RateLimit): KeyLimiters {
    const id = `${limit.requests_per_second}:${limit.burst}`;
    let limiters = this.limiters.get(id);
    if (limiters === undefined) {
      const extra = Math.max(limit.burst - limit.requests_per_second, 0);
      limiters = {
        perSecond: this.store.limiter({
          points: limit.requests_per_second,
          duration: 1,
          keyPrefix: `rps:${id}`,
        }),
        policy: `"default";q=${limit.requests_per_second};w=1`,
      };
      if (extra > 0) {
        limiters.burst = this.store.limiter({
          points: extra,
          duration: BURST_WINDOW_SECONDS,
          keyPrefix: `burst:${id}`,
        });
        limiters.policy += `, "burst";q=${extra};w=${BURST_WINDOW_SECONDS}`;
      }
      this.limiters.set(id, limiters);
    }
    return limiters;
  }
}

/** A refusal is a result too; anything else (a store error without insurance) propagates. */
function settle(consumption: Promise<RateLimiterRes>): Promise<Consumed> {
  return consumption.then(
    (res) => ({ allowed: true, res }),
    (rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
      throw rejection;
    },
  );
}

/** One Service Limit Item of the `RateLimit` field: remaining quota and seconds until it refills. */
function serviceLimit(policy: string, res: RateLimiterRes): string {
  return `"${policy}";r=${Math.max(0, res.remainingPoints)};t=${seconds(res.msBeforeNext)}`;
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

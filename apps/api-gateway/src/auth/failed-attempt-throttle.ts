import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitStore } from './rate-limit-store.js';

/** Channel on which a gateway tells the others that it blocked an IP: `{"ip": …, "ms": …}`. */
const BLOCKS_CHANNEL = 'auth-blocks';

/**
 * Throttles failed authentications per client IP so keys cannot be guessed at speed: after
 * `perMinute` failures within a minute, every request from that IP is 429 until the minute ends —
 * valid keys included, otherwise the answer would still tell a guesser when a guess was right.
 * Counting is rate-limiter-flexible's, in the gateway's RateLimitStore (with Redis, the failures
 * seen by every gateway add up). The blocked set makes the per-request check a Map lookup; with
 * Redis the gateway that blocks an IP announces it, and every gateway blocks it too.
 */
export class FailedAttemptThrottle {
  private readonly limiter: RateLimiterAbstract;
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    readonly perMinute: number,
    private readonly store: RateLimitStore,
  ) {
    this.limiter = store.limiter({ points: perMinute, duration: 60, keyPrefix: 'auth-failures' });
    store.subscribe(BLOCKS_CHANNEL, (message) => this.onAnnouncedBlock(message));
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
        if (res.remainingPoints <= 0) this.blockEverywhere(key, res.msBeforeNext);
      },
      (res: unknown) => {
        if (res instanceof RateLimiterRes) this.blockEverywhere(key, res.msBeforeNext);
      },
    );
  }

  private blockEverywhere(key: string, ms: number): void {
    this.block(key, ms);
    // The remaining time, not a timestamp: gateways' clocks need not agree.
    this.store.publish(BLOCKS_CHANNEL, JSON.stringify({ ip: key, ms }));
  }

  private onAnnouncedBlock(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const { ip, ms } = parsed as { ip?: unknown; ms?: unknown };
    if (typeof ip !== 'string' || typeof ms !== 'number' || !(ms > 0 && ms <= 60_000)) return;
    const until = Date.now() + ms;
    if ((this.blockedUntil.get(ip) ?? 0) < until) this.block(ip, ms);
  }

  private block(key: string, ms: number): void {
    if (this.blockedUntil.size > 100_000) this.sweep(Date.now());
    this.blockedUntil.set(key, Date.now() + ms);
  }

  private sweep(now: number): void {
    for (const [ip, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(ip);
  }
}

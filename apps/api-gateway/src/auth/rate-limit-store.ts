import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A fixed window of `points` per `duration` seconds; `keyPrefix` names the counter family. */
export interface WindowOptions {
  points: number;
  duration: number;
  keyPrefix: string;
}

/**
 * Where the gateway's rate limits count: the one place that knows whether counters live in this
 * process or in Redis shared by every gateway. Both kinds are rate-limiter-flexible limiters, so the
 * per-key limiter and the failed-authentication throttle run the same code either way.
 */
export interface RateLimitStore {
  /** True when counters are shared with the other gateways (Redis). */
  readonly shared: boolean;
  limiter(options: WindowOptions): RateLimiterAbstract;
  /** Sends `message` on `channel` to every gateway sharing the store (none when not shared). */
  publish(channel: string, message: string): void;
  /** Calls `handler` for every message on `channel` from any gateway (this one included). */
  subscribe(channel: string, handler: (message: string) => void): void;
  close(): Promise<void>;
}

/** Counters in this process only: each gateway instance enforces limits on its own traffic. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly shared = false;
  limiter(options: WindowOptions): RateLimiterAbstract {
    return new RateLimiterMemory(options);
  }
  publish(): void {}
  subscribe(): void {}
  async close(): Promise<void> {}
}

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every key and channel (`plexmcp:` by default). */
  keyPrefix: string;
  /** Longest wait for one command; then the in-memory insurance limiter decides. */
  commandTimeoutMs: number;
  logger: Logger;
}

/** Reconnection attempts while Redis is away: 100 ms, 200 ms, … then every second. */
const RECONNECT_MAX_DELAY_MS = 1_000;
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS);

/**
 * Counters in Redis, shared by every gateway using the same REDIS_URL and prefix
 * (`RateLimiterRedis` over ioredis, atomic with a Lua increment). Each limiter has an in-memory
 * insurance limiter with the same window: while the connection is not ready
 * (`rejectIfRedisNotReady`, no network attempt at all) or a command fails or exceeds the command
 * timeout, this instance counts on its own — limits degrade to per instance, never to none, and no
 * request fails because of Redis. The client never queues commands while disconnected
 * (`enableOfflineQueue: false`) and reconnects by itself; once it is ready again, Redis counts.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly shared = true;
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, (message: string) => void>();
  private down = false;

  constructor(private readonly options: RedisStoreOptions) {
    const { logger } = options;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy,
      connectionName: 'plexmcp-gateway-limits',
    });
    this.client.on('ready', () => {
      if (this.down) logger.info('redis reachable again: rate limits are shared across gateways');
      this.down = false;
    });
    this.client.on('error', (err: Error) => {
      // ioredis reports every failed reconnection; say it once per outage.
      if (!this.down) {
        logger.warn(
          { err },
          'redis unreachable: rate limits are counted per gateway instance until it returns',
        );
      }
      this.down = true;
    });
  }

  limiter(options: WindowOptions): RateLimiterAbstract {
    return new RateLimiterRedis({
      ...options,
      keyPrefix: this.options.keyPrefix + options.keyPrefix,
      storeClient: this.client,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  publish(channel: string, message: string): void {
    if (this.client.status !== 'ready') return;
    this.client.publish(this.options.keyPrefix + channel, message).catch((err: unknown) => {
      this.options.logger.warn({ err, channel }, 'redis publish failed');
    });
  }

  subscribe(channel: string, handler: (message: string) => void): void {
    const full = this.options.keyPrefix + channel;
    this.handlers.set(full, handler);
    // A subscribed connection can run nothing else: it is a second one, which queues the SUBSCRIBE
    // until connected and subscribes again after every reconnection.
    if (this.subscriber === undefined) {
      const options: RedisOptions = { retryStrategy, connectionName: 'plexmcp-gateway-events' };
      this.subscriber = new Redis(this.options.url, options);
      this.subscriber.on('error', () => undefined); // the command connection reports outages
      this.subscriber.on('message', (from: string, message: string) => this.handlers.get(from)?.(message));
    }
    this.subscriber.subscribe(full).catch((err: unknown) => {
      this.options.logger.warn({ err, channel }, 'redis subscribe failed');
    });
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    // QUIT lets Redis finish what was sent (bounded by the command timeout); then the socket goes.
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}

export function createRateLimitStore(
  config: { REDIS_URL?: string; REDIS_KEY_PREFIX: string; REDIS_COMMAND_TIMEOUT_MS: number },
  logger: Logger,
): RateLimitStore {
  if (config.REDIS_URL === undefined) return new MemoryRateLimitStore();
  return new RedisRateLimitStore({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    logger,
  });
}

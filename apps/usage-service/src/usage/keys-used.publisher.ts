import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type KeysUsedEvent, UsageSubjects } from '@plexmcp/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { UsageServiceConfig } from '../config.js';
import { CONFIG, LOGGER, NATS_CONNECTION } from '../tokens.js';

const MAX_KEYS_PER_MESSAGE = 1000;

/**
 * Keeps the latest request time of each key seen since the last flush and publishes them in
 * batches (`UsageSubjects.keysUsed`), so the key-service updates `last_used_at` a few times a
 * minute per key instead of once per request.
 */
@Injectable()
export class KeysUsedPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: UsageServiceConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.flush(), this.config.KEYS_USED_FLUSH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.flush();
  }

  record(keyId: string, usedAtMs: number): void {
    const current = this.pending.get(keyId);
    if (current === undefined || usedAtMs > current) this.pending.set(keyId, usedAtMs);
  }

  flush(): void {
    if (this.pending.size === 0 || this.nc.isClosed()) return;
    const entries = [...this.pending];
    this.pending = new Map();
    for (let i = 0; i < entries.length; i += MAX_KEYS_PER_MESSAGE) {
      const event: KeysUsedEvent = {
        type: 'keys.used',
        keys: entries
          .slice(i, i + MAX_KEYS_PER_MESSAGE)
          .map(([keyId, at]) => ({ key_id: keyId, last_used_at: new Date(at).toISOString() })),
      };
      try {
        this.nc.publish(UsageSubjects.keysUsed, JSON.stringify(event));
      } catch (err) {
        this.logger.warn({ err }, 'could not publish key last-use times');
      }
    }
  }
}

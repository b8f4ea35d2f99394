import { Inject, Injectable } from '@nestjs/common';
import { type KeysUsedEvent, UsageSubjects } from '@plexmcp/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { SERVICE_LOGGER, SERVICE_NATS } from '@plexmcp/service-kit';
import type { Logger } from 'pino';

const MAX_KEYS_PER_MESSAGE = 1000;

/**
 * Keeps the latest request time of each key seen since the last flush and publishes them in
 * batches (`UsageSubjects.keysUsed`) every KEYS_USED_FLUSH_MS and once more at shutdown, after
 * ingest stopped (see UsageModule), so the key-service updates `last_used_at` a few times a
 * minute per key instead of once per request.
 */
@Injectable()
export class KeysUsedPublisher {
  private pending = new Map<string, number>();

  constructor(
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

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

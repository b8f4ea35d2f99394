import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { KeyEvent } from '@plexmcp/contracts';
import type { Logger } from 'pino';
import { KEY_SERVICE_CONFIG, type KeyServiceConfig } from '../config.js';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { APP_LOGGER } from '../logger.token.js';
import { ApiKeysRepository, type SweptKey } from './api-keys.repository.js';

/**
 * Ends rotation grace periods (the old key is revoked) and marks expired keys, then announces
 * each change so gateways evict it. Every instance sweeps; the atomic UPDATE … RETURNING hands
 * each key to exactly one of them, so an event is never published twice.
 */
@Injectable()
export class KeySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly events: KeyEventsPublisher,
    @Inject(KEY_SERVICE_CONFIG) private readonly config: KeyServiceConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return; // the previous sweep is still publishing
    this.running = this.sweepOnce()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'key sweep failed'))
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /** One full sweep; returns what changed. */
  async sweepOnce(): Promise<{ revoked: SweptKey[]; expired: SweptKey[] }> {
    const revoked = await this.keys.sweepEndedGracePeriods();
    const expired = await this.keys.sweepExpired();
    const events: KeyEvent[] = [
      ...revoked.map((k) => event('key.revoked', k)),
      ...expired.map((k) => event('key.expired', k)),
    ];
    if (events.length > 0) {
      this.logger.info({ revoked: revoked.length, expired: expired.length }, 'swept keys');
      await this.events.publishAll(events);
    }
    return { revoked, expired };
  }
}

function event(type: 'key.revoked' | 'key.expired', key: SweptKey): KeyEvent {
  return { type, key_id: key.id, key_hash: key.keyHash, org_id: key.orgId, version: key.policyVersion };
}

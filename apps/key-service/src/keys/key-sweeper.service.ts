import { Inject, Injectable } from '@nestjs/common';
import type { KeyEvent } from '@plexmcp/contracts';
import { SERVICE_LOGGER } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { KeyEventsPublisher } from '../events/key-events.publisher.js';
import { ApiKeysRepository, type SweptKey } from './api-keys.repository.js';

/**
 * Ends rotation grace periods (the old key is revoked) and marks expired keys, then announces
 * each change so gateways evict it. Every instance sweeps (every KEY_SWEEP_INTERVAL_MS, see
 * KeysModule); the atomic UPDATE … RETURNING hands each key to exactly one of them, so an event is
 * never published twice.
 */
@Injectable()
export class KeySweeper {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly events: KeyEventsPublisher,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

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

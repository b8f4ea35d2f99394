import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { QueueGroups, UsageSubjects, keysUsedEventSchema } from '@plexmcp/contracts';
import {
  type NatsConnection,
  SERVICE_LOGGER,
  SERVICE_NATS,
  ServiceShutdown,
  runSubscription,
} from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { ApiKeysRepository } from './api-keys.repository.js';

/**
 * Keeps `last_used_at` current from the usage-service's batches of key activity. Instances share
 * the batches through the queue group; a batch lost on the way is repaired by the next one that
 * mentions the key, because the column only ever moves forward.
 */
@Injectable()
export class KeyActivityListener implements OnApplicationBootstrap {
  constructor(
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    private readonly keys: ApiKeysRepository,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(ServiceShutdown) private readonly shutdown: ServiceShutdown,
  ) {}

  onApplicationBootstrap(): void {
    runSubscription(this.shutdown, this.nc, {
      subject: UsageSubjects.keysUsed,
      queue: QueueGroups.keyService,
      schema: keysUsedEventSchema,
      logger: this.logger,
      handle: (batch) =>
        this.keys.recordLastUsed(batch.keys.map((k) => ({ keyId: k.key_id, at: new Date(k.last_used_at) }))),
    });
  }
}

import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { QueueGroups, UsageSubjects, keysUsedEventSchema } from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { EVENTS_NATS } from '../events/key-events.publisher.js';
import { APP_LOGGER } from '../logger.token.js';
import { ApiKeysRepository } from './api-keys.repository.js';

type Subscription = ReturnType<NatsConnection['subscribe']>;

/**
 * Keeps `last_used_at` current from the usage-service's batches of key activity. Instances share
 * the batches through the queue group; a batch lost on the way is repaired by the next one that
 * mentions the key, because the column only ever moves forward.
 */
@Injectable()
export class KeyActivityListener implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;
  private pending = new Set<Promise<void>>();

  constructor(
    @Inject(EVENTS_NATS) private readonly nc: NatsConnection,
    private readonly keys: ApiKeysRepository,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(UsageSubjects.keysUsed, {
      queue: QueueGroups.keyService,
      callback: (err, msg) => {
        if (err) return;
        let batch;
        try {
          batch = keysUsedEventSchema.safeParse(msg.json());
        } catch {
          batch = null;
        }
        if (!batch?.success) {
          this.logger.warn({ subject: msg.subject }, 'ignored a malformed key activity batch');
          return;
        }
        const work = this.keys
          .recordLastUsed(batch.data.keys.map((k) => ({ keyId: k.key_id, at: new Date(k.last_used_at) })))
          .catch((error: unknown) =>
            this.logger.error({ err: (error as Error).message }, 'could not record key activity'),
          );
        this.pending.add(work);
        void work.finally(() => this.pending.delete(work));
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    await Promise.allSettled([...this.pending]);
  }
}

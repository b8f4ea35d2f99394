import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_LOGGER, ServiceShutdown, runPeriodicTask } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { UsageServiceConfig } from '../config.js';
import { bucketStart } from './time-buckets.js';
import { UsageRepository } from './usage.repository.js';

/**
 * Rolls closed minutes up into the hour and day tables every ROLLUP_INTERVAL_MS, so the ingest
 * transaction writes one table instead of three. Minutes are rolled up ROLLUP_DELAY_MS after
 * they end, so events arriving with normal delay never take the (slower) late path. Queries add the not-yet-rolled minutes on the
 * fly, so the rollup delay is never visible in answers.
 */
@Injectable()
export class RollupService implements OnApplicationBootstrap {
  constructor(
    private readonly repository: UsageRepository,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(ServiceShutdown) private readonly shutdown: ServiceShutdown,
  ) {}

  onApplicationBootstrap(): void {
    // A failed rollup is logged; the next tick rolls up the same minutes.
    runPeriodicTask(this.shutdown, {
      name: 'usage rollup',
      intervalMs: this.config.ROLLUP_INTERVAL_MS,
      logger: this.logger,
      run: () => this.run(),
    });
  }

  async run(nowMs = Date.now()): Promise<void> {
    await this.repository.rollup(bucketStart(nowMs - this.config.ROLLUP_DELAY_MS, 'minute'));
  }
}

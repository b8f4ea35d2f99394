import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { UsageServiceConfig } from '../config.js';
import { CONFIG, LOGGER } from '../tokens.js';
import { bucketStart } from './time-buckets.js';
import { UsageRepository } from './usage.repository.js';

/**
 * Rolls closed minutes up into the hour and day tables every ROLLUP_INTERVAL_MS, so the ingest
 * transaction writes one table instead of three. Minutes are rolled up ROLLUP_DELAY_MS after
 * they end, so events arriving with normal delay never take the (slower) late path. Queries add the not-yet-rolled minutes on the
 * fly, so the rollup delay is never visible in answers.
 */
@Injectable()
export class RollupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly repository: UsageRepository,
    @Inject(CONFIG) private readonly config: UsageServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.run().finally(() => (this.running = null));
    }, this.config.ROLLUP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async run(nowMs = Date.now()): Promise<void> {
    try {
      await this.repository.rollup(bucketStart(nowMs - this.config.ROLLUP_DELAY_MS, 'minute'));
    } catch (err) {
      this.logger.warn({ err }, 'usage rollup failed; will retry');
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@plexmcp/service-kit';
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
export class RollupService {
  constructor(
    private readonly repository: UsageRepository,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
  ) {}

  /** A failed rollup is logged by its task; the next tick rolls up the same minutes. */
  async run(nowMs = Date.now()): Promise<void> {
    await this.repository.rollup(bucketStart(nowMs - this.config.ROLLUP_DELAY_MS, 'minute'));
  }
}

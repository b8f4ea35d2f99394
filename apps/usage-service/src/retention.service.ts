import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, withClusterLock } from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import type { UsageServiceConfig } from './config.js';
import { LimitsRepository } from './limits/limits.repository.js';
import { DATA_SOURCE } from './tokens.js';
import { UsageRepository } from './usage/usage.repository.js';
import { ToolUsageRepository } from './usage/tool-usage.repository.js';

const DAY_MS = 86_400_000;

/**
 * Drops aggregates, remembered event ids and old limit counters past their retention (every
 * RETENTION_SWEEP_MS); one instance at a time cluster-wide (the others skip the round).
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly toolUsage: ToolUsageRepository,
    private readonly limits: LimitsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /** A failure is the periodic task's to log; the next round tries again. */
  async sweep(now = Date.now()): Promise<void> {
    await withClusterLock(this.dataSource, 'retention', () => this.prune(now));
  }

  private async prune(now: number): Promise<void> {
    await this.usage.prune('minute', new Date(now - this.config.USAGE_RETENTION_MINUTE_DAYS * DAY_MS));
    await this.usage.prune('hour', new Date(now - this.config.USAGE_RETENTION_HOUR_DAYS * DAY_MS));
    await this.usage.prune('day', new Date(now - this.config.USAGE_RETENTION_DAY_DAYS * DAY_MS));
    // Per-tool rows are per minute, kept as long as hourly aggregates.
    await this.toolUsage.prune(new Date(now - this.config.USAGE_RETENTION_HOUR_DAYS * DAY_MS));
    const before = new Date(now - this.config.DEDUP_RETENTION_HOURS * 3_600_000);
    while ((await this.usage.pruneEventIds(before, 50_000)) === 50_000);
    await this.limits.pruneCounters(new Date(now - 62 * DAY_MS));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { type LimitBlock, Subjects, type UsageEvent } from '@plexmcp/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { SERVICE_LOGGER, SERVICE_NATS, withClusterLock } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { SqlExecutor } from '@plexmcp/service-kit';
import type { LocatedUsage } from '../ingest/usage-aggregator.js';
import { DATA_SOURCE } from '../tokens.js';
import { planLimits, reachedLimits } from './limit-rules.js';
import { type BlockRow, LimitsRepository } from './limits.repository.js';

/**
 * Usage limits: the organization's monthly live-request limit and a key's optional daily or
 * monthly limit. Counting happens inside the ingest transaction, so a limit is reached exactly
 * once; the block is announced on `usage.events.limit_reached` after commit (and re-announced by
 * the sweep — every LIMITS_SWEEP_MS, see LimitsModule — if the process died in between), and
 * cleared with `limit_cleared` at reset time. The sweep runs on one instance at a time
 * cluster-wide, so a block is never re-announced twice.
 */
@Injectable()
export class LimitsService {
  constructor(
    private readonly repository: LimitsRepository,
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Inside the ingest transaction: lifts the blocks a raised or removed limit ended, counts billable
   * requests, and returns the blocks that start now and those lifted.
   */
  async count(sql: SqlExecutor, events: readonly LocatedUsage[], nowMs: number): Promise<LimitChanges> {
    const plan = planLimits(events);
    const lifted = await this.repository.deleteLifted(sql, plan.observed);
    if (plan.increments.length === 0) return { started: [], lifted };
    const totals = await this.repository.increment(sql, plan.increments);
    return { started: await this.repository.insertBlocks(sql, reachedLimits(totals, plan, nowMs)), lifted };
  }

  /** After commit: tells every gateway, then marks the new blocks announced. */
  async announce({ started: blocks, lifted }: LimitChanges): Promise<void> {
    for (const block of lifted) this.publish({ type: 'usage.limit_cleared', block: toLimitBlock(block) });
    if (blocks.length === 0) return;
    for (const block of blocks) this.publish({ type: 'usage.limit_reached', block: toLimitBlock(block) });
    try {
      await this.repository.markAnnounced(blocks);
    } catch (err) {
      this.logger.warn(
        { err },
        'could not mark limit blocks announced; the sweeper will announce them again',
      );
    }
  }

  async activeBlocks(): Promise<LimitBlock[]> {
    return (await this.repository.active()).map(toLimitBlock);
  }

  /** Clears the blocks whose period ended and announces those not announced yet. */
  async sweep(): Promise<void> {
    if (this.nc.isClosed()) return;
    // Single-flight per instance is the periodic task's; this lock makes it one instance cluster-wide.
    await withClusterLock(this.dataSource, 'limits-sweep', async () => {
      for (const block of await this.repository.takeExpired()) {
        this.publish({ type: 'usage.limit_cleared', block: toLimitBlock(block) });
      }
      await this.announce({ started: await this.repository.unannounced(5_000), lifted: [] });
    });
  }

  private publish(event: UsageEvent): void {
    const subject =
      event.type === 'usage.limit_reached'
        ? Subjects.usageEvents.limitReached
        : Subjects.usageEvents.limitCleared;
    this.nc.publish(subject, JSON.stringify(event));
    this.logger.info(
      { scope: event.block.scope, org_id: event.block.org_id, key_id: event.block.key_id, type: event.type },
      'usage limit event',
    );
  }
}

export interface LimitChanges {
  started: BlockRow[];
  lifted: BlockRow[];
}

function toLimitBlock(row: BlockRow): LimitBlock {
  return {
    scope: row.scope,
    org_id: row.org_id,
    key_id: row.key_id,
    reset_at: row.reset_at.toISOString(),
    period: row.period,
    limit: Number(row.limit_value),
  };
}

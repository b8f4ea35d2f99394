import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_LOGGER } from '@plexmcp/service-kit';
import {
  REQUEST_BATCH_MAX_EVENTS,
  type RequestTally,
  requestBatchSchema,
  requestMessageSchema,
  requestRecordedEventSchema,
} from '@plexmcp/contracts';
import { z } from 'zod';
import { TransactionRunner } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { AnomalyDetector } from '../alerts/anomaly-detector.service.js';
import { AlertsService } from '../alerts/alerts.service.js';
import type { GeoIpService } from '../alerts/geoip.service.js';
import { KeyWatchService } from '../alerts/key-watch.service.js';
import { LimitsService } from '../limits/limits.service.js';
import { GEOIP } from '../tokens.js';
import { KeysUsedPublisher } from '../usage/keys-used.publisher.js';
import { bucketStart } from '../usage/time-buckets.js';
import { UsageRepository } from '../usage/usage.repository.js';
import { ToolUsageRepository, aggregateTools } from '../usage/tool-usage.repository.js';
import { aggregate, type LocatedUsage, tallyOf } from './usage-aggregator.js';

export interface BatchOutcome {
  /** Requests counted by this batch (those of the units with new ids). */
  counted: number;
  /** Units already counted before (redelivered or published twice). */
  duplicates: number;
}

/**
 * What is counted exactly once: a gateway's `request.tally` report as a whole (`id` = its batch
 * id), or one `request.recorded` event (`id` = its event id, as a tally of one).
 */
export interface UsageUnit {
  id: string;
  tallies: RequestTally[];
}

/**
 * A message holds a gateway's tally report, one event or a `request.batch` of many. `dropped`
 * lists why events inside an otherwise valid event batch were refused: they are dropped alone, so
 * one bad event does not cost the others (a tally report is valid or refused as a whole).
 */
export type ParsedMessage =
  { ok: true; units: UsageUnit[]; tallies: number; dropped: string[] } | { ok: false; error: string };

const eventUnit = (event: Parameters<typeof tallyOf>[0]): UsageUnit => ({
  id: event.event_id,
  tallies: [tallyOf(event)],
});

const issue = (error: { issues: { message: string }[] }): string => error.issues[0]?.message ?? 'invalid';

export function parseEvent(data: Uint8Array): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = requestMessageSchema.safeParse(json);
  if (parsed.success) {
    const message = parsed.data;
    if (message.type === 'request.tally') {
      const units = [{ id: message.batch_id, tallies: message.tallies }];
      return { ok: true, units, tallies: message.tallies.length, dropped: [] };
    }
    const events = message.type === 'request.batch' ? message.events : [message];
    return { ok: true, units: events.map(eventUnit), tallies: events.length, dropped: [] };
  }
  // A batch whose envelope is sound but with some invalid events: keep the valid ones.
  const envelope = batchEnvelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, error: issue(parsed.error) };
  const units: UsageUnit[] = [];
  const dropped: string[] = [];
  for (const raw of envelope.data.events) {
    const event = requestRecordedEventSchema.safeParse(raw);
    if (event.success) units.push(eventUnit(event.data));
    else dropped.push(issue(event.error));
  }
  return units.length === 0
    ? { ok: false, error: dropped[0] ?? 'invalid' }
    : { ok: true, units, tallies: units.length, dropped };
}

const batchEnvelopeSchema = requestBatchSchema.extend({
  events: z.array(z.unknown()).min(1).max(REQUEST_BATCH_MAX_EVENTS),
});

/**
 * Counts one batch of usage units (tally reports, single events) exactly once: in ONE transaction
 * it records their ids (ON CONFLICT DO NOTHING) and applies only the new ones to the per-minute
 * aggregates, the per-tool counts, the limit counters and the per-key anomalies. The caller acknowledges the messages only
 * after this resolves, so a crash at any point either loses nothing (redelivery) or counts
 * nothing twice (the ids are already stored).
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly toolUsage: ToolUsageRepository,
    private readonly limits: LimitsService,
    private readonly keyWatch: KeyWatchService,
    private readonly alerts: AlertsService,
    private readonly anomalies: AnomalyDetector,
    private readonly keysUsed: KeysUsedPublisher,
    private readonly transactions: TransactionRunner,
    @Inject(GEOIP) private readonly geo: GeoIpService,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async process(units: UsageUnit[], nowMs = Date.now()): Promise<BatchOutcome> {
    const unique = new Map<string, UsageUnit>();
    for (const u of units) if (!unique.has(u.id)) unique.set(u.id, u);
    if (unique.size === 0) return { counted: 0, duplicates: units.length };
    let fresh = 0;

    const counted = await this.transactions.run(async (tx, { afterCommit }) => {
      fresh = 0;
      // Sorted, like every multi-row write here, so concurrent batches lock rows in one order.
      const claimed = await this.usage.claimEventIds(tx, [...unique.keys()].sort());
      const located: LocatedUsage[] = [];
      let counted = 0;
      for (const [id, unit] of unique) {
        if (!claimed.has(id)) continue;
        fresh += 1;
        for (const tally of unit.tallies) {
          counted += tally.requests;
          located.push({
            event: tally,
            occurredAt: Date.parse(tally.first_at),
            lastAt: Date.parse(tally.last_at),
            country: this.geo.country(tally.client_ip),
          });
        }
      }
      if (located.length === 0) return 0;
      located.sort((a, b) => a.occurredAt - b.occurredAt);
      // Minutes after the rollup watermark reach hours and days through the rollup; a late event
      // for a minute already rolled up goes to all three tables directly.
      const watermark = await this.usage.lockWatermark(tx);
      await this.usage.upsert(tx, 'minute', aggregate(located, 'minute'));
      const late = located.filter((l) => bucketStart(l.occurredAt, 'minute') < watermark);
      if (late.length > 0) {
        await this.usage.upsert(tx, 'hour', aggregate(late, 'hour'));
        await this.usage.upsert(tx, 'day', aggregate(late, 'day'));
      }
      await this.toolUsage.upsert(tx, aggregateTools(located));
      const blocks = await this.limits.count(tx, located, nowMs);
      const watched = await this.keyWatch.inspect(tx, located, nowMs);
      afterCommit(() => {
        watched.commit();
        this.alerts.alertsCommitted(watched.raised);
      });
      afterCommit(() => this.limits.announce(blocks));
      afterCommit(() => {
        const keys = new Set<string>();
        for (const { event, lastAt } of located) {
          keys.add(event.key_id);
          this.keysUsed.record(event.key_id, lastAt);
        }
        this.anomalies.touch(keys);
      });
      return counted;
    });
    return { counted, duplicates: units.length - fresh };
  }

  logInvalid(error: string, subject: string, events?: number): void {
    if (events === undefined) {
      this.logger.warn({ subject, error }, 'dropping a message that is not a valid request event');
    } else {
      this.logger.warn({ subject, error, events }, 'dropping invalid events from a request batch');
    }
  }
}

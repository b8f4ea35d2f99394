import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { USAGE_CONSUMER, USAGE_STREAM_SETTINGS, Subjects } from '@plexmcp/contracts';
import type { Logger } from 'pino';
import type { UsageServiceConfig } from '../config.js';
import {
  SERVICE_CONFIG,
  SERVICE_LOGGER,
  SERVICE_NATS,
  ServiceShutdown,
  ensureUsageStream,
} from '@plexmcp/service-kit';
import { IngestService, type ParsedMessage, parseEvent } from './ingest.service.js';

export interface IngestStats {
  counted: number;
  duplicates: number;
  invalid: number;
  batches: number;
  lastBatchAt: number | null;
}

/** Most bytes of messages the client fetches ahead of processing. */
const PREFETCH_MAX_BYTES = 8 * 1024 * 1024;

interface Buffered {
  msg: JsMsg;
  parsed: ParsedMessage;
  /** Tallies (or events) the message carries; an invalid message counts 1. */
  count: number;
}

/**
 * The durable JetStream consumer (`USAGE_CONSUMER`, shared by every instance). Messages — each a
 * single event or a gateway `request.batch` of many — are pulled continuously and handed to
 * IngestService in batches of up to INGEST_BATCH_SIZE events (whole messages: one message is
 * never split), or whatever arrived within INGEST_BATCH_WAIT_MS when traffic is light. A message
 * is acknowledged only after the transaction holding all its events committed; a failed batch is
 * negatively acknowledged and redelivered. Reading pauses while two batches' worth of events wait.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap {
  private messages: ConsumerMessages | null = null;
  /** Messages parsed as they arrive (while the previous batch's transaction is in flight). */
  private buffer: Buffered[] = [];
  private bufferedEvents = 0;
  private resumeReading: (() => void) | null = null;
  private readonly inflight = new Set<Promise<void>>();
  private waitTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reading: Promise<void> | null = null;
  readonly stats: IngestStats = { counted: 0, duplicates: 0, invalid: 0, batches: 0, lastBatchAt: null };

  constructor(
    private readonly ingest: IngestService,
    @Inject(SERVICE_NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(ServiceShutdown) private readonly shutdown: ServiceShutdown,
  ) {}

  get running(): boolean {
    return this.messages !== null && !this.stopped;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.shutdown.add('drain subscriptions', 'usage ingest', () => this.stop());
    const jsm = await jetstreamManager(this.nc);
    await ensureUsageStream(jsm, { replicas: this.config.USAGE_STREAM_REPLICAS });
    const batch = this.config.INGEST_BATCH_SIZE;
    const consumerConfig = {
      durable_name: USAGE_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: Subjects.usageRequests.recorded,
      ack_wait: nanos(this.config.INGEST_ACK_WAIT_MS),
      max_ack_pending: batch * 4,
      max_deliver: -1,
    };
    try {
      const info = await jsm.consumers.info(USAGE_STREAM_SETTINGS.name, USAGE_CONSUMER);
      if (
        info.config.ack_wait !== consumerConfig.ack_wait ||
        info.config.max_ack_pending !== consumerConfig.max_ack_pending
      ) {
        await jsm.consumers.update(USAGE_STREAM_SETTINGS.name, USAGE_CONSUMER, {
          ack_wait: consumerConfig.ack_wait,
          max_ack_pending: consumerConfig.max_ack_pending,
        });
      }
    } catch {
      await jsm.consumers.add(USAGE_STREAM_SETTINGS.name, consumerConfig);
    }
    const consumer: Consumer = await jetstream(this.nc).consumers.get(
      USAGE_STREAM_SETTINGS.name,
      USAGE_CONSUMER,
    );
    // Prefetch bounded by bytes, not messages: a message may be one event or a batch of hundreds.
    this.messages = await consumer.consume({ max_bytes: PREFETCH_MAX_BYTES });
    this.reading = this.read(this.messages);
  }

  /** Stops consuming: batches in flight commit, messages not yet processed go back to JetStream. */
  private async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.waitTimer);
    this.resume();
    await this.messages?.close().catch(() => undefined);
    await this.reading;
    await Promise.all(this.inflight);
    // Messages received but not processed go straight back to JetStream for another instance.
    this.bufferedEvents = 0;
    for (const { msg } of this.buffer.splice(0)) msg.nak();
  }

  private async read(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (this.stopped) break;
        const parsed = parseEvent(m.data);
        const count = parsed.ok ? parsed.tallies : 1;
        this.buffer.push({ msg: m, parsed, count });
        this.bufferedEvents += count;
        if (this.bufferedEvents >= this.config.INGEST_BATCH_SIZE) {
          this.kick(false);
          // Back-pressure: messages may carry many events, so bound what waits by events.
          if (this.bufferedEvents >= this.config.INGEST_BATCH_SIZE * 2 && !this.stopped) {
            await new Promise<void>((resolve) => (this.resumeReading = resolve));
          }
        } else if (this.inflight.size === 0 && !this.waitTimer) {
          // Light traffic: give a partial batch a moment to fill before committing it.
          this.waitTimer = setTimeout(() => {
            this.waitTimer = undefined;
            this.kick(true);
          }, this.config.INGEST_BATCH_WAIT_MS);
        }
      }
    } catch (err) {
      if (!this.stopped) this.logger.error({ err }, 'JetStream consumer stopped');
    }
    // Reported by usage.health: an instance whose consumer ended is degraded.
    this.messages = null;
  }

  /**
   * Starts batches while fewer than INGEST_CONCURRENCY are in flight: a full batch always, a
   * partial one only when nothing is in flight (so under load batches stay large).
   */
  private kick(partial: boolean): void {
    while (!this.stopped && this.inflight.size < this.config.INGEST_CONCURRENCY) {
      const ready =
        this.bufferedEvents >= this.config.INGEST_BATCH_SIZE ||
        (this.buffer.length > 0 && (partial || this.inflight.size === 0));
      if (!ready) return;
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
      const batch = this.takeBatch();
      const run: Promise<void> = this.processBatch(batch).finally(() => {
        this.inflight.delete(run);
        this.kick(false);
      });
      this.inflight.add(run);
      partial = false;
    }
  }

  /** Whole messages from the front of the buffer, up to INGEST_BATCH_SIZE events (at least one). */
  private takeBatch(): Buffered[] {
    let taken = 0;
    let events = 0;
    while (taken < this.buffer.length) {
      const count = this.buffer[taken]!.count;
      if (taken > 0 && events + count > this.config.INGEST_BATCH_SIZE) break;
      events += count;
      taken += 1;
    }
    this.bufferedEvents -= events;
    const batch = this.buffer.splice(0, taken);
    if (this.bufferedEvents < this.config.INGEST_BATCH_SIZE * 2) this.resume();
    return batch;
  }

  private resume(): void {
    const resume = this.resumeReading;
    this.resumeReading = null;
    resume?.();
  }

  private async processBatch(batch: Buffered[]): Promise<void> {
    const units = [];
    let events = 0;
    const valid: JsMsg[] = [];
    for (const { msg: m, parsed } of batch) {
      if (parsed.ok) {
        for (const unit of parsed.units) units.push(unit);
        events += parsed.tallies;
        valid.push(m);
        if (parsed.dropped.length > 0) {
          this.stats.invalid += parsed.dropped.length;
          this.ingest.logInvalid(parsed.dropped[0]!, m.subject, parsed.dropped.length);
        }
      } else {
        this.stats.invalid += 1;
        this.ingest.logInvalid(parsed.error, m.subject);
        m.term();
      }
    }
    try {
      const outcome = await this.ingest.process(units);
      for (const m of valid) m.ack();
      this.stats.counted += outcome.counted;
      this.stats.duplicates += outcome.duplicates;
      this.stats.batches += 1;
      this.stats.lastBatchAt = Date.now();
    } catch (err) {
      this.logger.error(
        { err, messages: valid.length, events },
        'could not commit a usage batch; it will be redelivered',
      );
      for (const m of valid) m.nak(1_000);
    }
  }
}

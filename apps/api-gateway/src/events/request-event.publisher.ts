import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { type RequestRecordedEvent, Subjects, USAGE_STREAM_SETTINGS } from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { NatsLifecycle } from './nats-lifecycle.js';

interface PendingEvent {
  id: string;
  payload: string;
}

export interface RequestEventPublisherOptions {
  bufferSize: number;
  concurrency: number;
  publishTimeoutMs: number;
}

const RETRY_DELAY_MS = 250;

/** Creates the USAGE stream if missing; the usage-service ensures the same settings. */
export async function ensureUsageStream(nc: NatsConnection, logger: Logger): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: USAGE_STREAM_SETTINGS.name,
    subjects: [...USAGE_STREAM_SETTINGS.subjects],
    duplicate_window: nanos(USAGE_STREAM_SETTINGS.duplicateWindowMs),
    max_age: nanos(USAGE_STREAM_SETTINGS.maxAgeMs),
  };
  try {
    await jsm.streams.info(config.name);
  } catch {
    try {
      await jsm.streams.add(config);
      logger.info({ stream: config.name }, 'created JetStream stream');
    } catch (err) {
      // Another process may have created it in between; anything else surfaces on publish.
      await jsm.streams.info(config.name).catch(() => {
        throw err;
      });
    }
  }
}

/**
 * Publishes one `request.recorded` event per authenticated request to JetStream, with the event
 * id as msgID so a retried publish is de-duplicated by the stream. `record()` only enqueues: the
 * response never waits. While NATS is away events wait in a bounded buffer and are sent on
 * reconnect; when the buffer is full the newest event is dropped and counted in the metrics.
 */
export class RequestEventPublisher {
  private readonly js: JetStreamClient;
  private queue: PendingEvent[] = [];
  private head = 0;
  private inflight = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idle: Array<() => void> = [];

  constructor(
    nc: NatsConnection,
    private readonly lifecycle: NatsLifecycle,
    private readonly options: RequestEventPublisherOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    this.js = jetstream(nc);
    metrics.eventBufferDepthSource = () => this.depth;
    lifecycle.onReconnect(() => this.pump());
  }

  /** Events not yet acknowledged by JetStream (buffered plus in flight). */
  get depth(): number {
    return this.queue.length - this.head + this.inflight;
  }

  record(event: RequestRecordedEvent): void {
    if (this.closed) return;
    if (this.depth >= this.options.bufferSize) {
      this.metrics.eventsDropped.inc();
      return;
    }
    this.queue.push({ id: event.event_id, payload: JSON.stringify(event) });
    if (this.inflight < this.options.concurrency) this.pump();
  }

  /** Resolves when every buffered event has been acknowledged (or the deadline passes). */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.depth === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private pump(): void {
    while (this.inflight < this.options.concurrency && this.head < this.queue.length && this.lifecycle.connected) {
      const next = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as PendingEvent;
      this.head += 1;
      this.send(next);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.depth === 0) this.notifyIdle();
  }

  private send(event: PendingEvent): void {
    this.inflight += 1;
    this.js
      .publish(Subjects.usageRequests.recorded, event.payload, {
        msgID: event.id,
        timeout: this.options.publishTimeoutMs,
      })
      .then(
        () => {
          this.inflight -= 1;
          this.metrics.eventsPublished.inc();
          this.pump();
        },
        (err: unknown) => {
          this.inflight -= 1;
          this.metrics.eventPublishFailures.inc();
          // Back to the buffer; the same msgID makes a duplicate delivery a no-op.
          this.queue.push(event);
          if (!this.closed) {
            this.logger.debug({ err: String(err) }, 'request event publish failed; will retry');
            this.scheduleRetry();
          }
        },
      );
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, RETRY_DELAY_MS);
    this.retryTimer.unref();
  }

  private notifyIdle(): void {
    const waiting = this.idle.splice(0);
    for (const resolve of waiting) resolve();
  }
}

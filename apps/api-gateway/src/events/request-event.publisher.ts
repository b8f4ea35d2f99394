import { jetstreamManager } from '@nats-io/jetstream';
import { type Msg, type Subscription, createInbox, headers, nanos } from '@nats-io/transport-node';
import { type RequestRecordedEvent, Subjects, USAGE_STREAM_SETTINGS } from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { NatsLifecycle } from './nats-lifecycle.js';

interface PendingEvent {
  id: string;
  payload: string;
}

interface InflightEvent {
  event: PendingEvent;
  sentAt: number;
}

interface PubAck {
  stream?: string;
  seq?: number;
  error?: { code?: number; description?: string };
}

export interface RequestEventPublisherOptions {
  bufferSize: number;
  concurrency: number;
  publishTimeoutMs: number;
}

const RETRY_DELAY_MS = 250;
const SWEEP_INTERVAL_MS = 250;
const DECODER = new TextDecoder();

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
 * id as msgID (`Nats-Msg-Id`) so a retried publish is de-duplicated by the stream. `record()` only
 * enqueues: the response never waits. Publishing is asynchronous in the JetStream sense: each
 * message carries a reply subject under one inbox subscription, acknowledgements are matched by
 * token and unanswered ones expire in a periodic sweep — no per-message timer, promise or request
 * object, which keeps the cost per event small. While NATS is away events wait in a bounded buffer
 * and are sent on reconnect; when the buffer is full the newest event is dropped and counted.
 */
export class RequestEventPublisher {
  private queue: PendingEvent[] = [];
  private head = 0;
  private readonly inflight = new Map<string, InflightEvent>();
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private sequence = 0;
  private pumpScheduled = false;
  private readonly sweepTimer: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly lifecycle: NatsLifecycle,
    private readonly options: RequestEventPublisherOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    this.inbox = createInbox();
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onAck(err, msg) });
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    metrics.eventBufferDepthSource = () => this.depth;
    lifecycle.onReconnect(() => this.schedulePump());
  }

  /** Events not yet acknowledged by JetStream (buffered plus in flight). */
  get depth(): number {
    return this.queue.length - this.head + this.inflight.size;
  }

  record(event: RequestRecordedEvent): void {
    if (this.closed) return;
    if (this.depth >= this.options.bufferSize) {
      this.metrics.eventsDropped.inc();
      return;
    }
    this.queue.push({ id: event.event_id, payload: JSON.stringify(event) });
    this.schedulePump();
  }

  /** Resolves true when every buffered event has been acknowledged, false at the deadline. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.depth === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.schedulePump();
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
    this.subscription.unsubscribe();
  }

  /** Batches the publishes of one event-loop turn (responses are written first). */
  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (
      this.inflight.size < this.options.concurrency &&
      this.head < this.queue.length &&
      this.lifecycle.connected
    ) {
      const next = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as PendingEvent;
      this.head += 1;
      if (!this.send(next)) break;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.depth === 0) this.notifyIdle();
  }

  private send(event: PendingEvent): boolean {
    this.sequence += 1;
    const token = this.sequence.toString(36);
    const msgHeaders = headers();
    msgHeaders.set('Nats-Msg-Id', event.id);
    try {
      this.nc.publish(Subjects.usageRequests.recorded, event.payload, {
        headers: msgHeaders,
        reply: `${this.inbox}.${token}`,
      });
    } catch (err) {
      this.failed(event, err);
      return false;
    }
    this.inflight.set(token, { event, sentAt: Date.now() });
    return true;
  }

  private onAck(err: Error | null, msg: Msg): void {
    if (err) return;
    const token = msg.subject.slice(this.inbox.length + 1);
    const entry = this.inflight.get(token);
    if (entry === undefined) return; // already expired and re-queued
    this.inflight.delete(token);
    // An empty message with a status header is "no responders": no stream took the event.
    if (msg.data.length === 0 || msg.headers?.hasError) {
      this.failed(entry.event, `status ${msg.headers?.code ?? 'empty'}`);
      return;
    }
    let ack: PubAck;
    try {
      ack = JSON.parse(DECODER.decode(msg.data)) as PubAck;
    } catch {
      ack = { error: { description: 'unreadable acknowledgement' } };
    }
    if (ack.error !== undefined || ack.seq === undefined) {
      this.failed(entry.event, ack.error?.description ?? 'no sequence in acknowledgement');
      return;
    }
    this.metrics.eventsPublished.inc();
    if (this.head < this.queue.length) this.schedulePump();
    else if (this.depth === 0) this.notifyIdle();
  }

  /** Unacknowledged for too long: back to the buffer (the msgID makes a duplicate harmless). */
  private sweep(): void {
    if (this.inflight.size === 0) return;
    const deadline = Date.now() - this.options.publishTimeoutMs;
    for (const [token, entry] of this.inflight) {
      if (entry.sentAt > deadline) continue;
      this.inflight.delete(token);
      this.failed(entry.event, 'acknowledgement timed out');
    }
  }

  private failed(event: PendingEvent, reason: unknown): void {
    this.metrics.eventPublishFailures.inc();
    this.queue.push(event);
    if (this.closed) return;
    this.logger.debug({ reason: String(reason) }, 'request event not acknowledged; will retry');
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

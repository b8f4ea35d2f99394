import { type Msg, type Subscription, createInbox, headers } from '@nats-io/transport-node';
import { type RequestRecordedEvent, Subjects, natsInboxPrefix } from '@plexmcp/contracts';
import { type NatsConnection, PeriodicTask } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { SequentialIds } from '../common/request-id.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { NatsLifecycle } from './nats-lifecycle.js';

/** One batch message: its id (msgID), payload and how many events it carries. */
interface Batch {
  id: string;
  payload: string;
  count: number;
}

interface InflightBatch {
  batch: Batch;
  sentAt: number;
}

interface PubAck {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; description?: string };
}

export interface RequestEventPublisherOptions {
  /** Events held (pending, retried or in flight) before new ones are dropped and counted. */
  bufferSize: number;
  /** Batch messages awaiting their JetStream acknowledgement at once. */
  concurrency: number;
  publishTimeoutMs: number;
  /** Most events in one batch message. */
  batchSize: number;
  /** Longest time an event waits for its batch to fill before a partial batch is sent. */
  batchWaitMs: number;
}

const RETRY_DELAY_MS = 250;
const SWEEP_INTERVAL_MS = 250;
const DECODER = new TextDecoder();
const BATCH_HEAD = '{"type":"request.batch","batch_id":"';
/**
 * Payload budget of one batch in UTF-16 code units: at most 3 UTF-8 bytes each, so a batch stays
 * under 768 KiB, below NATS' default max_payload of 1 MiB, without measuring bytes per event.
 */
const BATCH_MAX_CHARS = 256 * 1024;

/**
 * Publishes the `request.recorded` events of authenticated requests to JetStream in batches: ONE
 * `request.batch` message carries up to `batchSize` events, sent when that many are pending or
 * `batchWaitMs` after the first one, whichever comes first, with the batch id as msgID
 * (`Nats-Msg-Id`). `record()` only enqueues: the response never waits. A batch is immutable once
 * built, so one that is not acknowledged (error, no responders, timeout, NATS away) is re-sent
 * with the same msgID and payload — the stream drops it if the first copy was stored after all,
 * and the usage-service de-duplicates each event on `event_id` anyway.
 *
 * Acknowledgements are matched by token under one inbox subscription and unanswered ones expire in
 * a periodic sweep — no per-message timer, promise or request object. While NATS is away events
 * wait in a bounded buffer and are sent on reconnect; when the buffer is full the newest event is
 * dropped and counted.
 */
export class RequestEventPublisher {
  /** Serialized events not yet in a batch. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** Batches built but not acknowledged, to be (re-)sent first, in order. */
  private retry: Batch[] = [];
  private retryEvents = 0;
  private readonly inflight = new Map<string, InflightBatch>();
  private inflightEvents = 0;
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private readonly batchIds = new SequentialIds('bat');
  private sequence = 0;
  private pumpScheduled = false;
  private waitTimer: NodeJS.Timeout | undefined;
  /** The oldest pending event has waited `batchWaitMs` (or a flush asked): send partial batches. */
  private overdue = false;
  private readonly sweeper: PeriodicTask;
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
    // Under the gateway's inbox prefix: the only inboxes its NATS user may subscribe to.
    this.inbox = createInbox(natsInboxPrefix('gateway'));
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onAck(err, msg) });
    this.sweeper = new PeriodicTask({
      name: 'request event acknowledgement sweep',
      intervalMs: SWEEP_INTERVAL_MS,
      logger,
      run: () => this.sweep(),
    });
    this.sweeper.start();
    metrics.eventBufferDepthSource = () => this.depth;
    lifecycle.onReconnect(() => this.schedulePump());
  }

  /** Events not yet acknowledged by JetStream (pending, awaiting a retry, or in flight). */
  get depth(): number {
    return this.pending.length + this.retryEvents + this.inflightEvents;
  }

  record(event: RequestRecordedEvent): void {
    if (this.closed) return;
    if (this.depth >= this.options.bufferSize) {
      this.metrics.eventsDropped.inc();
      return;
    }
    const payload = JSON.stringify(event);
    this.pending.push(payload);
    this.pendingChars += payload.length;
    if (this.waitTimer === undefined && !this.overdue) {
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined;
        this.overdue = true;
        this.pump();
      }, this.options.batchWaitMs);
    }
    if (this.batchFull()) this.schedulePump();
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
      if (this.pending.length > 0) this.overdue = true;
      this.schedulePump();
    });
  }

  close(): void {
    this.closed = true;
    void this.sweeper.stop(); // the sweep is synchronous: never one in flight here
    clearTimeout(this.retryTimer);
    clearTimeout(this.waitTimer);
    this.subscription.unsubscribe();
  }

  /** Sends after the current event-loop turn (responses are written first). */
  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private batchFull(): boolean {
    return this.pending.length >= this.options.batchSize || this.pendingChars >= BATCH_MAX_CHARS;
  }

  /**
   * Sends batches awaiting a retry, then full batches, then — once the oldest pending event has
   * waited `batchWaitMs` (or on flush) — a partial one, while fewer than `concurrency` are in flight.
   */
  private pump(): void {
    if (this.closed) return;
    while (this.inflight.size < this.options.concurrency && this.lifecycle.connected) {
      let batch = this.retry.shift();
      if (batch !== undefined) this.retryEvents -= batch.count;
      else if (this.pending.length > 0 && (this.overdue || this.batchFull())) batch = this.nextBatch();
      else break;
      if (!this.send(batch)) break;
    }
    if (this.pending.length === 0) {
      this.overdue = false;
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
    }
    if (this.depth === 0) this.notifyIdle();
  }

  /** Takes up to `batchSize` pending events (within the size budget) into one message. */
  private nextBatch(): Batch {
    const max = Math.min(this.options.batchSize, this.pending.length);
    let count = 0;
    let chars = 0;
    while (count < max) {
      const size = this.pending[count]!.length;
      if (count > 0 && chars + size > BATCH_MAX_CHARS) break;
      chars += size;
      count += 1;
    }
    const events = count === this.pending.length ? this.pending : this.pending.slice(0, count);
    this.pending = count === this.pending.length ? [] : this.pending.slice(count);
    this.pendingChars = Math.max(0, this.pendingChars - chars);
    const id = this.batchIds.next();
    return { id, payload: `${BATCH_HEAD}${id}","events":[${events.join(',')}]}`, count };
  }

  private send(batch: Batch): boolean {
    this.sequence += 1;
    const token = this.sequence.toString(36);
    const msgHeaders = headers();
    msgHeaders.set('Nats-Msg-Id', batch.id);
    try {
      this.nc.publish(Subjects.usageRequests.recorded, batch.payload, {
        headers: msgHeaders,
        reply: `${this.inbox}.${token}`,
      });
    } catch (err) {
      this.failed(batch, err);
      return false;
    }
    this.inflight.set(token, { batch, sentAt: Date.now() });
    this.inflightEvents += batch.count;
    return true;
  }

  private onAck(err: Error | null, msg: Msg): void {
    if (err) return;
    const token = msg.subject.slice(this.inbox.length + 1);
    const entry = this.inflight.get(token);
    if (entry === undefined) return; // already expired and queued for a retry
    this.inflight.delete(token);
    this.inflightEvents -= entry.batch.count;
    // An empty message with a status header is "no responders": no stream took the batch.
    if (msg.data.length === 0 || msg.headers?.hasError) {
      this.failed(entry.batch, `status ${msg.headers?.code ?? 'empty'}`);
      return;
    }
    let ack: PubAck;
    try {
      ack = JSON.parse(DECODER.decode(msg.data)) as PubAck;
    } catch {
      ack = { error: { description: 'unreadable acknowledgement' } };
    }
    if (ack.error !== undefined || ack.seq === undefined) {
      this.failed(entry.batch, ack.error?.description ?? 'no sequence in acknowledgement');
      return;
    }
    this.metrics.eventsPublished.inc(entry.batch.count);
    if (this.retry.length > 0 || this.pending.length > 0) this.schedulePump();
    else if (this.depth === 0) this.notifyIdle();
  }

  /** Unacknowledged for too long: queued for a retry (the msgID makes a duplicate harmless). */
  private sweep(): void {
    if (this.inflight.size === 0) return;
    const deadline = Date.now() - this.options.publishTimeoutMs;
    for (const [token, entry] of this.inflight) {
      if (entry.sentAt > deadline) continue;
      this.inflight.delete(token);
      this.inflightEvents -= entry.batch.count;
      this.failed(entry.batch, 'acknowledgement timed out');
    }
  }

  private failed(batch: Batch, reason: unknown): void {
    this.metrics.eventPublishFailures.inc();
    this.retry.push(batch);
    this.retryEvents += batch.count;
    if (this.closed) return;
    this.logger.debug({ reason: String(reason) }, 'request event batch not acknowledged; will retry');
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

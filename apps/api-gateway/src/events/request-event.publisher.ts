import { type Msg, type Subscription, createInbox, headers } from '@nats-io/transport-node';
import { type KeyPolicy, type RequestTally, Subjects, natsInboxPrefix } from '@plexmcp/contracts';
import { type NatsConnection, PeriodicTask } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { SequentialIds } from '../common/request-id.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { NatsLifecycle } from './nats-lifecycle.js';
import { UsageTallies } from './usage-tallies.js';

/** One batch message: its id (msgID), payload, how many tallies it carries and requests they count. */
interface Batch {
  id: string;
  payload: string;
  tallies: number;
  count: number;
}

/** A serialized tally waiting for a batch, and the requests it counts. */
interface PendingTally {
  json: string;
  requests: number;
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
  /** Tallies held (open, pending, retried or in flight) before requests needing a new one are dropped and counted. */
  bufferSize: number;
  /** Batch messages awaiting their JetStream acknowledgement at once. */
  concurrency: number;
  publishTimeoutMs: number;
  /** Most tallies in one batch message. */
  batchSize: number;
  /** How often the open tallies are published: the most a gateway crash can lose. */
  reportIntervalMs: number;
}

const RETRY_DELAY_MS = 250;
const SWEEP_INTERVAL_MS = 250;
const DECODER = new TextDecoder();
const BATCH_HEAD = '{"type":"request.tally","batch_id":"';
/**
 * Payload budget of one batch in UTF-16 code units: at most 3 UTF-8 bytes each, so a batch stays
 * under 768 KiB, below NATS' default max_payload of 1 MiB, without measuring bytes per event.
 */
const BATCH_MAX_CHARS = 256 * 1024;

/**
 * Reports the usage of authenticated requests to JetStream. `record()` only adds the request to
 * its tally (UsageTallies: per key, minute, MCP, route, client address, gateway error code and
 * called tool),
 * so the response never waits and no per-request event is built. Every `reportIntervalMs` the
 * open tallies are serialized and sent as `request.tally` messages of up to `batchSize` tallies,
 * each with its batch id as msgID (`Nats-Msg-Id`). A batch is immutable once built, so one that is
 * not acknowledged (error, no responders, timeout, NATS away) is re-sent with the same msgID and
 * payload — the stream drops it if the first copy was stored after all, and the usage-service
 * counts a batch id once anyway. A crash (SIGKILL) loses at most the open interval's requests
 * plus batches not yet acknowledged; a graceful stop flushes both.
 *
 * Acknowledgements are matched by token under one inbox subscription and unanswered ones expire in
 * a periodic sweep — no per-message timer, promise or request object. While NATS is away events
 * wait in a bounded buffer and are sent on reconnect; when the buffer is full the newest event is
 * dropped and counted.
 */
export class RequestEventPublisher {
  private readonly tallies = new UsageTallies();
  /** Serialized tallies not yet in a batch. */
  private pending: PendingTally[] = [];
  private pendingChars = 0;
  private pendingRequests = 0;
  /** Batches built but not acknowledged, to be (re-)sent first, in order. */
  private retry: Batch[] = [];
  private retryEvents = 0;
  private retryTallies = 0;
  private readonly inflight = new Map<string, InflightBatch>();
  private inflightEvents = 0;
  private inflightTallies = 0;
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private readonly batchIds = new SequentialIds('bat');
  private sequence = 0;
  private pumpScheduled = false;
  private readonly reportTimer: NodeJS.Timeout;
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
    this.reportTimer = setInterval(() => this.report(), options.reportIntervalMs);
    this.reportTimer.unref();
    metrics.eventBufferDepthSource = () => this.depth;
    lifecycle.onReconnect(() => this.schedulePump());
  }

  /** Requests not yet acknowledged by JetStream (open, pending, awaiting a retry, or in flight). */
  get depth(): number {
    return this.tallies.requests + this.pendingRequests + this.retryEvents + this.inflightEvents;
  }

  /** Tallies held in memory, open or not yet acknowledged: what `bufferSize` bounds. */
  private get held(): number {
    return this.tallies.size + this.pending.length + this.retryTallies + this.inflightTallies;
  }

  /** Counts one authenticated request in its tally (`at`: when it was received, epoch ms). */
  record(
    policy: KeyPolicy,
    mcpId: string | null,
    route: string,
    status: number,
    latencyMs: number,
    clientIp: string | null,
    at: number,
    errorCode: RequestTally['error_code'],
    /** The tool a `tools/call` named (bounded by the caller), or null. */
    tool: string | null,
  ): void {
    if (this.closed) return;
    const counted = this.tallies.add(
      policy,
      mcpId,
      route,
      status,
      latencyMs,
      clientIp,
      at,
      errorCode,
      tool,
      this.held < this.options.bufferSize,
    );
    if (!counted) this.metrics.eventsDropped.inc();
  }

  /** Resolves true when every counted request has been acknowledged, false at the deadline. */
  async flush(timeoutMs: number): Promise<boolean> {
    this.report();
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
    void this.sweeper.stop(); // the sweep is synchronous: never one in flight here
    clearTimeout(this.retryTimer);
    clearInterval(this.reportTimer);
    this.subscription.unsubscribe();
  }

  /** Ends the reporting interval: its tallies are serialized and sent now. */
  private report(): void {
    if (this.tallies.size === 0) return;
    for (const { tally, requests } of this.tallies.take()) {
      const json = JSON.stringify(tally);
      this.pending.push({ json, requests });
      this.pendingChars += json.length;
      this.pendingRequests += requests;
    }
    this.pump();
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

  /**
   * Sends batches awaiting a retry, then the reported tallies (in batches of up to `batchSize`),
   * while fewer than `concurrency` are in flight.
   */
  private pump(): void {
    if (this.closed) return;
    while (this.inflight.size < this.options.concurrency && this.lifecycle.connected) {
      let batch = this.retry.shift();
      if (batch !== undefined) {
        this.retryEvents -= batch.count;
        this.retryTallies -= batch.tallies;
      } else if (this.pending.length > 0) batch = this.nextBatch();
      else break;
      if (!this.send(batch)) break;
    }
    if (this.depth === 0) this.notifyIdle();
  }

  /** Takes up to `batchSize` pending tallies (within the size budget) into one message. */
  private nextBatch(): Batch {
    const max = Math.min(this.options.batchSize, this.pending.length);
    let taken = 0;
    let chars = 0;
    let requests = 0;
    while (taken < max) {
      const item = this.pending[taken]!;
      if (taken > 0 && chars + item.json.length > BATCH_MAX_CHARS) break;
      chars += item.json.length;
      requests += item.requests;
      taken += 1;
    }
    const items = this.pending.slice(0, taken);
    this.pending = taken === this.pending.length ? [] : this.pending.slice(taken);
    this.pendingChars = Math.max(0, this.pendingChars - chars);
    this.pendingRequests -= requests;
    const id = this.batchIds.next();
    const tallies = items.map((i) => i.json).join(',');
    return { id, payload: `${BATCH_HEAD}${id}","tallies":[${tallies}]}`, tallies: taken, count: requests };
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
    this.inflightTallies += batch.tallies;
    return true;
  }

  private onAck(err: Error | null, msg: Msg): void {
    if (err) return;
    const token = msg.subject.slice(this.inbox.length + 1);
    const entry = this.inflight.get(token);
    if (entry === undefined) return; // already expired and queued for a retry
    this.inflight.delete(token);
    this.inflightEvents -= entry.batch.count;
    this.inflightTallies -= entry.batch.tallies;
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
      this.inflightTallies -= entry.batch.tallies;
      this.failed(entry.batch, 'acknowledgement timed out');
    }
  }

  private failed(batch: Batch, reason: unknown): void {
    this.metrics.eventPublishFailures.inc();
    this.retry.push(batch);
    this.retryEvents += batch.count;
    this.retryTallies += batch.tallies;
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

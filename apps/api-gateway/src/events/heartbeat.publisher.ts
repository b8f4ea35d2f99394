import { RequestError } from '@nats-io/transport-node';
import { type GatewayHeartbeat, Subjects, gatewayHeartbeatAckSchema } from '@plexmcp/contracts';
import { type NatsConnection, PeriodicTask } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { type GatewayConfig, outageGraceMs } from '../config.js';

/** The longest heartbeat TTL the key-service accepts (`gatewayHeartbeatSchema`). */
const MAX_TTL_MS = 60_000;

/**
 * How long a heartbeat announces this instance for: three intervals, or NATS_OUTAGE_CACHE_GRACE_MS
 * when that is longer (the key-service must keep waiting for this instance as long as it may serve
 * cached decisions), at most 60 s. Also how long a change may wait for a stalled gateway.
 */
export function heartbeatTtlMs(config: GatewayConfig): number {
  return Math.min(MAX_TTL_MS, Math.max(config.HEARTBEAT_INTERVAL_MS * 3, outageGraceMs(config)));
}

/**
 * Announces this gateway on `gateway.heartbeat` (once at start-up, then every interval) so the
 * key-service knows whose acknowledgements a revoke must gather, and learns from the answers
 * whether this instance may still trust its cached decisions.
 *
 * Each heartbeat is a request a key-service answers (`gatewayHeartbeatAckSchema`). A key-service
 * that counted the heartbeat waits for this instance's acknowledgement of every change until the
 * TTL has passed since it received it; so this instance trusts its cache only until the TTL has
 * passed since it *sent* the last answered heartbeat — never longer than a revoke may wait for it.
 * When it cannot reach NATS, is stalled (SIGSTOP, a long GC pause) or no key-service answers, its
 * cached decisions stop being trusted within one TTL and every key is asked again (503 while the
 * key-service cannot be reached). "No responders" — no key-service subscribed anywhere — also
 * counts as an answer: with no key-service alive nothing can be revoked meanwhile.
 */
export class HeartbeatPublisher {
  private readonly task: PeriodicTask;
  private readonly payload: string;
  /** Send time of the last answered heartbeat (epoch ms); nothing is trusted before the first. */
  private answeredSentAt = Number.NEGATIVE_INFINITY;
  readonly ttlMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly instanceId: string,
    private readonly intervalMs: number,
    ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.ttlMs = ttlMs;
    const heartbeat: GatewayHeartbeat = { instance_id: instanceId, ttl_ms: this.ttlMs };
    this.payload = JSON.stringify(heartbeat);
    this.task = new PeriodicTask({ name: 'heartbeat', intervalMs, logger, run: () => this.beat() });
  }

  /** Whether cached decisions may be served at `now`: a heartbeat sent less than one TTL ago was answered. */
  trusted(now: number): boolean {
    return now < this.answeredSentAt + this.ttlMs;
  }

  start(): void {
    this.beat();
    this.task.start();
  }

  beat(): void {
    if (this.nc.isClosed()) return;
    const sentAt = Date.now();
    this.nc.request(Subjects.gateway.heartbeat, this.payload, { timeout: this.intervalMs }).then(
      (reply) => {
        let body: unknown;
        try {
          body = reply.json();
        } catch {
          return; // not JSON: not an answer
        }
        const ack = gatewayHeartbeatAckSchema.safeParse(body);
        if (ack.success && ack.data.instance_id === this.instanceId) this.answered(sentAt);
      },
      (err: unknown) => {
        if (err instanceof RequestError && err.isNoResponders()) this.answered(sentAt);
        else this.logger.debug({ err: String(err) }, 'heartbeat not answered');
      },
    );
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private answered(sentAt: number): void {
    if (sentAt > this.answeredSentAt) this.answeredSentAt = sentAt;
  }
}

import { type GatewayHeartbeat, Subjects } from '@plexmcp/contracts';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';

/**
 * Announces this gateway on `gateway.heartbeat` (once at start-up, then every interval) so the
 * key-service knows how many acknowledgements a revoke must gather. The TTL is three intervals.
 */
export class HeartbeatPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly payload: string;

  constructor(
    private readonly nc: NatsConnection,
    instanceId: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    const heartbeat: GatewayHeartbeat = { instance_id: instanceId, ttl_ms: Math.min(60_000, intervalMs * 3) };
    this.payload = JSON.stringify(heartbeat);
  }

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    this.timer.unref();
  }

  beat(): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(Subjects.gateway.heartbeat, this.payload);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'heartbeat not sent');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

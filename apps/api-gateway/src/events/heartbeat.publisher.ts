import { type GatewayHeartbeat, Subjects } from '@plexmcp/contracts';
import { type NatsConnection, PeriodicTask } from '@plexmcp/service-kit';
import type { Logger } from 'pino';

/**
 * Announces this gateway on `gateway.heartbeat` (once at start-up, then every interval) so the
 * key-service knows how many acknowledgements a revoke must gather. The TTL is three intervals.
 */
export class HeartbeatPublisher {
  private readonly task: PeriodicTask;
  private readonly payload: string;

  constructor(
    private readonly nc: NatsConnection,
    instanceId: string,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    const heartbeat: GatewayHeartbeat = { instance_id: instanceId, ttl_ms: Math.min(60_000, intervalMs * 3) };
    this.payload = JSON.stringify(heartbeat);
    this.task = new PeriodicTask({ name: 'heartbeat', intervalMs, logger, run: () => this.beat() });
  }

  start(): void {
    this.beat();
    this.task.start();
  }

  beat(): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(Subjects.gateway.heartbeat, this.payload);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'heartbeat not sent');
    }
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}

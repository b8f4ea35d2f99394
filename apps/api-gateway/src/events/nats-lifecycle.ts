import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

type Listener = () => void;

/**
 * Follows the state of the one NATS connection and tells the parts that care: on reconnect the
 * caches are dropped (events may have been missed in between), limit blocks are reloaded and a
 * heartbeat goes out at once; on a long disconnect the caches are dropped too (see bootstrap).
 */
export class NatsLifecycle {
  private up = true;
  private readonly disconnectListeners: Listener[] = [];
  private readonly reconnectListeners: Listener[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    metrics.natsConnected.set(1);
    void this.watch();
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  onDisconnect(listener: Listener): void {
    this.disconnectListeners.push(listener);
  }

  onReconnect(listener: Listener): void {
    this.reconnectListeners.push(listener);
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' && this.up) {
        this.up = false;
        this.metrics.natsConnected.set(0);
        this.logger.warn('NATS disconnected: uncached keys fail closed until it is back');
        this.emit(this.disconnectListeners);
      } else if (status.type === 'reconnect') {
        this.up = true;
        this.metrics.natsConnected.set(1);
        this.logger.info('NATS reconnected');
        this.emit(this.reconnectListeners);
      }
    }
  }

  private emit(listeners: Listener[]): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'NATS lifecycle listener failed');
      }
    }
  }
}

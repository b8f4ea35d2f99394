import type { NatsRpcClient } from '@plexmcp/service-kit';
import type { GatewayConfig } from './config.js';
import { heartbeatTtlMs } from './events/heartbeat.publisher.js';
import type { NatsLifecycle } from './events/nats-lifecycle.js';
import type { RequestEventPublisher } from './events/request-event.publisher.js';
import type { McpRouteCache } from './mcps/mcp-route-cache.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';

/**
 * The long-lived parts of one gateway instance, built by `bootstrap()` before Nest starts (the
 * Fastify hot-path hooks use them outside Nest's DI) and handed to Nest as one provider.
 */
export class GatewayRuntime {
  constructor(
    readonly config: GatewayConfig,
    readonly instanceId: string,
    readonly rpc: NatsRpcClient,
    readonly lifecycle: NatsLifecycle,
    readonly mcpRoutes: McpRouteCache,
    readonly publisher: RequestEventPublisher,
    readonly metrics: GatewayMetrics,
  ) {}

  /**
   * Timeout of a change that evicts gateway caches (key update/revoke/rotate, MCP update/delete):
   * the key-service answers once every gateway acknowledged or let its heartbeat lapse, so it may
   * wait one heartbeat TTL for a stalled gateway before it answers.
   */
  get changeTimeoutMs(): number {
    return this.config.KEY_SERVICE_TIMEOUT_MS + heartbeatTtlMs(this.config) + 1_000;
  }
}

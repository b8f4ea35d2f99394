import type { NatsRpcClient } from '@plexmcp/service-kit';
import type { GatewayConfig } from './config.js';
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
}

import { type DynamicModule, Module } from '@nestjs/common';
import { serviceRootModule } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { AlertsModule } from './alerts/alerts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { DocsModule } from './docs/docs.module.js';
import { GatewayRuntime } from './gateway-runtime.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/keys.module.js';
import { McpsModule } from './mcps/mcps.module.js';
import { MembersModule } from './members/members.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OrganizationModule } from './organization/organization.module.js';
import { UsageModule } from './usage/usage.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/**
 * The gateway's Nest routes. Its runtime (built before Nest starts, shared with the Fastify hooks)
 * is provided as `GatewayRuntime`; the process runs its own shutdown, so none is handed to Nest.
 */
@Module({})
export class AppModule {
  static forRoot(runtime: GatewayRuntime, logger: Logger): DynamicModule {
    return serviceRootModule(
      AppModule,
      {
        config: runtime.config,
        logger,
        values: [{ provide: GatewayRuntime, useValue: runtime }],
      },
      [
        KeysModule,
        McpsModule,
        AuditModule,
        OrganizationModule,
        MembersModule,
        UsageModule,
        AlertsModule,
        WebhooksModule,
        HealthModule,
        MetricsModule,
        ...(runtime.config.DOCS_ENABLED ? [DocsModule] : []),
      ],
    );
  }
}

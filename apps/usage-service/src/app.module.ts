import { type DynamicModule, Module } from '@nestjs/common';
import { type ServiceResources, scheduledTask, serviceRootModule } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from './config.js';
import { AlertsModule } from './alerts/alerts.module.js';
import { HealthModule } from './health/health.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { LimitsModule } from './limits/limits.module.js';
import { RetentionService } from './retention.service.js';
import { UsageModule } from './usage/usage.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** The usage-service: ingest, aggregates, limits, alerts and webhooks, over NATS RPC. */
@Module({})
export class AppModule {
  static register(resources: ServiceResources): DynamicModule {
    return serviceRootModule(
      AppModule,
      resources,
      [UsageModule, LimitsModule, WebhooksModule, AlertsModule, IngestModule, HealthModule],
      [
        RetentionService,
        scheduledTask({
          name: 'retention sweep',
          on: RetentionService,
          run: (retention) => retention.sweep(),
          intervalMs: (config: UsageServiceConfig) => config.RETENTION_SWEEP_MS,
        }),
      ],
    );
  }
}

import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AlertsModule } from './alerts/alerts.module.js';
import type { GeoIpService } from './alerts/geoip.service.js';
import type { UsageServiceConfig } from './config.js';
import { HealthModule } from './health/health.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { LimitsModule } from './limits/limits.module.js';
import { RetentionService } from './retention.service.js';
import { CONFIG, DATA_SOURCE, GEOIP, INSTANCE_ID, LOGGER, NATS_CONNECTION } from './tokens.js';
import { UsageModule } from './usage/usage.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { Tables, TransactionRunner } from '@plexmcp/service-kit';

export interface AppResources {
  config: UsageServiceConfig;
  logger: Logger;
  dataSource: DataSource;
  nc: NatsConnection;
  geo: GeoIpService;
  instanceId: string;
}

/** The process-wide resources, opened by bootstrap() and shared by every feature module. */
@Global()
@Module({})
class ResourcesModule {
  static register(r: AppResources): DynamicModule {
    const providers = [
      { provide: CONFIG, useValue: r.config },
      { provide: LOGGER, useValue: r.logger },
      { provide: DATA_SOURCE, useValue: r.dataSource },
      { provide: Tables, useValue: new Tables(r.dataSource) },
      { provide: TransactionRunner, useValue: new TransactionRunner(r.dataSource) },
      { provide: NATS_CONNECTION, useValue: r.nc },
      { provide: GEOIP, useValue: r.geo },
      { provide: INSTANCE_ID, useValue: r.instanceId },
    ];
    return { module: ResourcesModule, providers, exports: providers.map((p) => p.provide) };
  }
}

@Module({})
export class AppModule {
  static register(resources: AppResources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ResourcesModule.register(resources),
        UsageModule,
        LimitsModule,
        WebhooksModule,
        AlertsModule,
        IngestModule,
        HealthModule,
      ],
      providers: [RetentionService],
    };
  }
}

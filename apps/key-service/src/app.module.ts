import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { NatsConnection } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AuditModule } from './audit/audit.module.js';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { KEY_SERVICE_CONFIG, type KeyServiceConfig } from './config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/keys.module.js';
import { APP_LOGGER } from './logger.token.js';
import { McpsModule } from './mcps/mcps.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';

export interface AppResources {
  config: KeyServiceConfig;
  logger: Logger;
  dataSource: DataSource;
  eventsConnection: NatsConnection;
}

@Global()
@Module({})
class CoreModule {
  static register({ config, logger }: Pick<AppResources, 'config' | 'logger'>): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: KEY_SERVICE_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
      ],
      exports: [KEY_SERVICE_CONFIG, APP_LOGGER],
    };
  }
}

/** The key-service: organizations, their MCPs and API keys, the audit log, over NATS RPC. */
@Module({})
export class AppModule {
  static register(resources: AppResources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(resources),
        DatabaseModule.forDataSource(resources.dataSource),
        EventsModule.forConnection(resources.eventsConnection),
        AuthorizationModule,
        AuditModule,
        McpsModule,
        KeysModule,
        OrganizationsModule,
        HealthModule,
      ],
    };
  }
}

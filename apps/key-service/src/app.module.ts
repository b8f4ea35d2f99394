import { type DynamicModule, Module } from '@nestjs/common';
import { type ServiceResources, serviceRootModule } from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import { AuditModule } from './audit/audit.module.js';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { KeysModule } from './keys/keys.module.js';
import { McpsModule } from './mcps/mcps.module.js';
import { MembersModule } from './members/members.module.js';
import { OidcModule } from './oidc/oidc.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { SecretScanningModule } from './secret-scanning/secret-scanning.module.js';

/**
 * The key-service: organizations, their MCPs and API keys, the audit log, and the people who sign
 * in to the dashboard (accounts, memberships, sessions), over NATS RPC.
 */
@Module({})
export class AppModule {
  static register(resources: ServiceResources, dataSource: DataSource): DynamicModule {
    return serviceRootModule(AppModule, resources, [
      DatabaseModule.forDataSource(dataSource),
      EventsModule,
      IdentityModule,
      AuthorizationModule,
      AuditModule,
      MembersModule,
      McpsModule,
      KeysModule,
      OrganizationsModule,
      SecretScanningModule,
      OidcModule,
      HealthModule,
      IdempotencyModule,
    ]);
  }
}

import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { DocsModule } from './docs/docs.module.js';
import { GatewayRuntime } from './gateway-runtime.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/keys.module.js';
import { McpsModule } from './mcps/mcps.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { UsageModule } from './usage/usage.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Global()
@Module({})
class RuntimeModule {
  static forRoot(runtime: GatewayRuntime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [{ provide: GatewayRuntime, useValue: runtime }],
      exports: [GatewayRuntime],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(runtime: GatewayRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(runtime),
        KeysModule,
        McpsModule,
        AuditModule,
        UsageModule,
        AlertsModule,
        WebhooksModule,
        HealthModule,
        MetricsModule,
        ...(runtime.config.DOCS_ENABLED ? [DocsModule] : []),
      ],
    };
  }
}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { SERVICE_CONFIG } from '@plexmcp/service-kit';
import type { KeyServiceConfig } from '../config.js';
import { McpHeadersCipher } from './mcp-headers-cipher.js';
import { McpSecretsController } from './mcp-secrets.controller.js';
import { McpSecretsService } from './mcp-secrets.service.js';
import { McpsController } from './mcps.controller.js';
import { McpsRepository } from './mcps.repository.js';
import { McpsService } from './mcps.service.js';
import { UpstreamUrlPolicy } from './upstream-url.policy.js';

@Module({
  imports: [AuditModule, IdempotencyModule],
  controllers: [McpsController, McpSecretsController],
  providers: [
    McpsRepository,
    McpsService,
    McpSecretsService,
    UpstreamUrlPolicy,
    {
      provide: McpHeadersCipher,
      useFactory: (config: KeyServiceConfig) => new McpHeadersCipher(config.PLEXMCP_ENCRYPTION_KEYS),
      inject: [SERVICE_CONFIG],
    },
  ],
  exports: [McpsRepository],
})
export class McpsModule {}

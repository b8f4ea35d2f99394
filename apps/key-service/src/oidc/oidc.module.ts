import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@plexmcp/service-kit';
import { AuditModule } from '../audit/audit.module.js';
import type { KeyServiceConfig } from '../config.js';
import { OidcSecretCipher } from './oidc-secret-cipher.js';
import { OidcSecretsController, OidcSecretsService } from './oidc-secrets.service.js';
import { OidcController } from './oidc.controller.js';
import { OidcRepository } from './oidc.repository.js';
import { OidcService } from './oidc.service.js';

@Module({
  imports: [AuditModule],
  controllers: [OidcController, OidcSecretsController],
  providers: [
    OidcRepository,
    OidcService,
    OidcSecretsService,
    {
      provide: OidcSecretCipher,
      useFactory: (config: KeyServiceConfig) => new OidcSecretCipher(config.PLEXMCP_ENCRYPTION_KEYS),
      inject: [SERVICE_CONFIG],
    },
  ],
})
export class OidcModule {}

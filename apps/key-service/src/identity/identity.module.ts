import { Global, Module } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import type { KeyServiceConfig } from '../config.js';
import { IdentityController } from './identity.controller.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { TotpSeedCipher } from './totp-seed-cipher.js';
import { TotpSecretsController, TotpSecretsService } from './totp-secrets.service.js';
import { EMBEDDER_MAIL_TRANSPORT, LogMailTransport, MAIL_TRANSPORT, type MailTransport } from './mail.js';

/**
 * Accounts, memberships and dashboard sessions. Global: the key authority resolves acting
 * sessions through it, and organization bootstrap adds the owner.
 */
@Global()
@Module({
  controllers: [IdentityController, TotpSecretsController],
  providers: [
    IdentityRepository,
    IdentityService,
    TotpSecretsService,
    {
      provide: TotpSeedCipher,
      useFactory: (config: KeyServiceConfig) => new TotpSeedCipher(config.PLEXMCP_ENCRYPTION_KEYS),
      inject: [SERVICE_CONFIG],
    },
    {
      provide: MAIL_TRANSPORT,
      useFactory: (logger: Logger, embedded: MailTransport | undefined) =>
        embedded ?? new LogMailTransport(logger),
      inject: [SERVICE_LOGGER, { token: EMBEDDER_MAIL_TRANSPORT, optional: true }],
    },
  ],
  exports: [IdentityService, IdentityRepository, MAIL_TRANSPORT],
})
export class IdentityModule {}

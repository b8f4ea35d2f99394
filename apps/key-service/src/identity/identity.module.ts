import { Global, Module } from '@nestjs/common';
import { SERVICE_LOGGER } from '@plexmcp/service-kit';
import type { Logger } from 'pino';
import { IdentityController } from './identity.controller.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { LogMailTransport, MAIL_TRANSPORT } from './mail.js';

/**
 * Accounts, memberships and dashboard sessions. Global: the key authority resolves acting
 * sessions through it, and organization bootstrap adds the owner.
 */
@Global()
@Module({
  controllers: [IdentityController],
  providers: [
    IdentityRepository,
    IdentityService,
    {
      provide: MAIL_TRANSPORT,
      useFactory: (logger: Logger) => new LogMailTransport(logger),
      inject: [SERVICE_LOGGER],
    },
  ],
  exports: [IdentityService, IdentityRepository, MAIL_TRANSPORT],
})
export class IdentityModule {}

import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';
import { WebhookSecretCipher } from './webhook-secret-cipher.js';
import { WebhookSecretsController } from './webhook-secrets.controller.js';
import { WebhookSecretsService } from './webhook-secrets.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  controllers: [WebhooksController, WebhookSecretsController],
  providers: [
    WebhooksRepository,
    WebhooksService,
    WebhookDispatcher,
    WebhookSecretsService,
    {
      provide: WebhookSecretCipher,
      useFactory: (config: UsageServiceConfig) => new WebhookSecretCipher(config.PLEXMCP_ENCRYPTION_KEYS),
      inject: [SERVICE_CONFIG],
    },
  ],
  exports: [WebhooksService],
})
export class WebhooksModule {}

import { Module } from '@nestjs/common';
import { SERVICE_CONFIG, scheduledTask } from '@plexmcp/service-kit';
import type { KeyServiceConfig } from '../config.js';
import { IdempotencyResponseCipher } from './idempotency-response-cipher.js';
import { IdempotencySecretsController } from './idempotency-secrets.controller.js';
import { IdempotencySecretsService } from './idempotency-secrets.service.js';
import { IdempotencyController } from './idempotency.controller.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';

@Module({
  controllers: [IdempotencyController, IdempotencySecretsController],
  providers: [
    IdempotencyRepository,
    IdempotencyService,
    IdempotencySecretsService,
    {
      provide: IdempotencyResponseCipher,
      useFactory: (config: KeyServiceConfig) => new IdempotencyResponseCipher(config.PLEXMCP_ENCRYPTION_KEYS),
      inject: [SERVICE_CONFIG],
    },
    scheduledTask({
      name: 'idempotency sweep',
      on: IdempotencyService,
      run: (service) => service.sweep(),
      intervalMs: (config: KeyServiceConfig) => config.IDEMPOTENCY_SWEEP_INTERVAL_MS,
    }),
  ],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}

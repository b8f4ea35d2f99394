import { Module } from '@nestjs/common';
import { scheduledTask } from '@plexmcp/service-kit';
import type { KeyServiceConfig } from '../config.js';
import { AuditModule } from '../audit/audit.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { McpsModule } from '../mcps/mcps.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { KeyActivityListener } from './key-activity.listener.js';
import { KeySweeper } from './key-sweeper.service.js';

@Module({
  imports: [AuditModule, McpsModule, IdempotencyModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    KeySweeper,
    KeyActivityListener,
    scheduledTask({
      name: 'key sweep',
      on: KeySweeper,
      run: (sweeper) => sweeper.sweepOnce(),
      intervalMs: (config: KeyServiceConfig) => config.KEY_SWEEP_INTERVAL_MS,
    }),
  ],
  exports: [ApiKeysService, ApiKeysRepository],
})
export class KeysModule {}

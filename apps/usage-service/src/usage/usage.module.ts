import { Module } from '@nestjs/common';
import { scheduledTask } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';
import { KeysUsedPublisher } from './keys-used.publisher.js';
import { RollupService } from './rollup.service.js';
import { ToolUsageRepository } from './tool-usage.repository.js';

@Module({
  controllers: [UsageController],
  providers: [
    UsageRepository,
    ToolUsageRepository,
    UsageService,
    KeysUsedPublisher,
    RollupService,
    scheduledTask({
      name: 'key last-use flush',
      on: KeysUsedPublisher,
      run: (publisher) => publisher.flush(),
      intervalMs: (config: UsageServiceConfig) => config.KEYS_USED_FLUSH_MS,
      flushOnShutdown: true,
    }),
    scheduledTask({
      name: 'usage rollup',
      on: RollupService,
      run: (rollup) => rollup.run(),
      intervalMs: (config: UsageServiceConfig) => config.ROLLUP_INTERVAL_MS,
    }),
  ],
  exports: [UsageRepository, ToolUsageRepository, KeysUsedPublisher],
})
export class UsageModule {}

import { Module } from '@nestjs/common';
import { scheduledTask } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import { LimitsController } from './limits.controller.js';
import { LimitsRepository } from './limits.repository.js';
import { LimitsService } from './limits.service.js';

@Module({
  controllers: [LimitsController],
  providers: [
    LimitsRepository,
    LimitsService,
    scheduledTask({
      name: 'limit sweep',
      on: LimitsService,
      run: (limits) => limits.sweep(),
      intervalMs: (config: UsageServiceConfig) => config.LIMITS_SWEEP_MS,
    }),
  ],
  exports: [LimitsService, LimitsRepository],
})
export class LimitsModule {}

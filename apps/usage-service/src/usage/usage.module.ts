import { Module } from '@nestjs/common';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';
import { KeysUsedPublisher } from './keys-used.publisher.js';
import { RollupService } from './rollup.service.js';

@Module({
  controllers: [UsageController],
  providers: [UsageRepository, UsageService, KeysUsedPublisher, RollupService],
  exports: [UsageRepository, KeysUsedPublisher],
})
export class UsageModule {}

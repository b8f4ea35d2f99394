import { Module } from '@nestjs/common';
import { LimitsController } from './limits.controller.js';
import { LimitsRepository } from './limits.repository.js';
import { LimitsService } from './limits.service.js';

@Module({
  controllers: [LimitsController],
  providers: [LimitsRepository, LimitsService],
  exports: [LimitsService, LimitsRepository],
})
export class LimitsModule {}

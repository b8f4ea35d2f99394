import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { McpsController } from './mcps.controller.js';
import { McpsRepository } from './mcps.repository.js';
import { McpsService } from './mcps.service.js';
import { UpstreamUrlPolicy } from './upstream-url.policy.js';

@Module({
  imports: [AuditModule],
  controllers: [McpsController],
  providers: [McpsRepository, McpsService, UpstreamUrlPolicy],
  exports: [McpsRepository],
})
export class McpsModule {}

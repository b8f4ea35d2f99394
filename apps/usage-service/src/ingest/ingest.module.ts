import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { IngestConsumer } from './ingest.consumer.js';
import { IngestService } from './ingest.service.js';

@Module({
  imports: [UsageModule, LimitsModule, AlertsModule],
  providers: [IngestService, IngestConsumer],
  exports: [IngestConsumer],
})
export class IngestModule {}

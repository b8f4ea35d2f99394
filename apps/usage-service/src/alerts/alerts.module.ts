import { Module } from '@nestjs/common';
import { scheduledTask } from '@plexmcp/service-kit';
import type { UsageServiceConfig } from '../config.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';
import { AnomalyDetector } from './anomaly-detector.service.js';
import { KeyWatchService } from './key-watch.service.js';
import { ExpirySweepService } from './expiry-sweep.service.js';
import { AlertThresholdsService } from './alert-thresholds.service.js';

@Module({
  imports: [WebhooksModule],
  controllers: [AlertsController],
  providers: [
    AlertsRepository,
    AlertsService,
    AnomalyDetector,
    KeyWatchService,
    ExpirySweepService,
    AlertThresholdsService,
    scheduledTask({
      name: 'expiry warnings of unused keys',
      on: ExpirySweepService,
      run: (sweep) => sweep.sweep(),
      intervalMs: (config: UsageServiceConfig) => config.KEY_EXPIRY_SWEEP_MS,
    }),
    scheduledTask({
      name: 'anomaly evaluation',
      on: AnomalyDetector,
      run: (detector) => detector.evaluate(),
      intervalMs: (config: UsageServiceConfig) => config.ANOMALY_EVAL_MS,
    }),
  ],
  exports: [AlertsService, AnomalyDetector, KeyWatchService],
})
export class AlertsModule {}

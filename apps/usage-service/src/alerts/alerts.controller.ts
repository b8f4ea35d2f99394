import { Controller } from '@nestjs/common';
import {
  type AckAlertRequest,
  type AlertThresholdsView,
  type GetAlertThresholdsRequest,
  type SetAlertThresholdsRequest,
  getAlertThresholdsRequestSchema,
  setAlertThresholdsRequestSchema,
  type AlertView,
  type KeyLeakedAlertsRequest,
  type ListAlertsRequest,
  type Page,
  UsageSubjects,
  ackAlertRequestSchema,
  keyLeakedAlertsRequestSchema,
  listAlertsRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { AlertThresholdsService } from './alert-thresholds.service.js';
import { AlertsService } from './alerts.service.js';

@Controller()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly thresholds: AlertThresholdsService,
  ) {}

  @RpcHandler(UsageSubjects.alerts.thresholdsGet, getAlertThresholdsRequestSchema)
  getThresholds(request: GetAlertThresholdsRequest): Promise<AlertThresholdsView> {
    return this.thresholds.get(request);
  }

  @RpcHandler(UsageSubjects.alerts.thresholdsSet, setAlertThresholdsRequestSchema)
  setThresholds(request: SetAlertThresholdsRequest): Promise<AlertThresholdsView> {
    return this.thresholds.set(request);
  }

  @RpcHandler(UsageSubjects.alerts.list, listAlertsRequestSchema)
  list(request: ListAlertsRequest): Promise<Page<AlertView>> {
    return this.alerts.list(request);
  }

  @RpcHandler(UsageSubjects.alerts.keyLeaked, keyLeakedAlertsRequestSchema)
  keyLeaked(request: KeyLeakedAlertsRequest): Promise<{ raised: number }> {
    return this.alerts.raiseLeaked(request);
  }

  @RpcHandler(UsageSubjects.alerts.ack, ackAlertRequestSchema)
  ack(request: AckAlertRequest): Promise<AlertView> {
    return this.alerts.acknowledge(request);
  }
}

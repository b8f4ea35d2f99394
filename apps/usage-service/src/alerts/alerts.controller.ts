import { Controller } from '@nestjs/common';
import {
  type AckAlertRequest,
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
import { AlertsService } from './alerts.service.js';

@Controller()
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

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

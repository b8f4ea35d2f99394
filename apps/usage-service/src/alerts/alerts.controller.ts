import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ackAlertRequestSchema,
  type AlertView,
  listAlertsRequestSchema,
  type Page,
  UsageSubjects,
} from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { AlertsService } from './alerts.service.js';

@Controller()
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @MessagePattern(UsageSubjects.alerts.list)
  list(@Payload() payload: unknown): Promise<Page<AlertView>> {
    return this.alerts.list(parseRpc(listAlertsRequestSchema, payload));
  }

  @MessagePattern(UsageSubjects.alerts.ack)
  ack(@Payload() payload: unknown): Promise<AlertView> {
    return this.alerts.acknowledge(parseRpc(ackAlertRequestSchema, payload));
  }
}

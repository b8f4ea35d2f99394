import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  type Actor,
  type AlertThresholdsView,
  type AlertView,
  type UpdateAlertThresholdsBody,
  alertThresholdsViewSchema,
  updateAlertThresholdsBodySchema,
  type ListAlertsQuery,
  type SuccessEnvelope,
  UsageSubjects,
  alertIdSchema,
  alertPageSchema,
  alertViewSchema,
  listAlertsQuerySchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { pathId } from '../common/path-id.js';
import { ok, page } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/** Anomaly alerts of the caller's organization: alerts:read / alerts:write; live data, no test keys. */
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access({ scope: 'alerts:read', live: true })
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listAlertsQuerySchema)) query: ListAlertsQuery,
  ): Promise<SuccessEnvelope<AlertView[]>> {
    return page(await this.runtime.rpc.call(UsageSubjects.alerts.list, { actor, query }, alertPageSchema));
  }

  /** The organization's anomaly thresholds: what applies now, and which are its own. */
  @Get('thresholds')
  @Access({ scope: 'alerts:read', live: true })
  async thresholds(@CurrentActor() actor: Actor): Promise<SuccessEnvelope<AlertThresholdsView>> {
    return ok(
      await this.runtime.rpc.call(UsageSubjects.alerts.thresholdsGet, { actor }, alertThresholdsViewSchema),
    );
  }

  /** Overrides thresholds for the organization's keys; `null` restores a default. */
  @Put('thresholds')
  @Access({ scope: 'alerts:write', live: true })
  async setThresholds(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(updateAlertThresholdsBodySchema)) body: UpdateAlertThresholdsBody,
  ): Promise<SuccessEnvelope<AlertThresholdsView>> {
    return ok(
      await this.runtime.rpc.call(
        UsageSubjects.alerts.thresholdsSet,
        { actor, body },
        alertThresholdsViewSchema,
      ),
    );
  }

  @Post(':id/ack')
  @HttpCode(200)
  @Access({ scope: 'alerts:write', live: true })
  async ack(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<AlertView>> {
    pathId(alertIdSchema, id);
    return ok(await this.runtime.rpc.call(UsageSubjects.alerts.ack, { actor, id }, alertViewSchema));
  }
}

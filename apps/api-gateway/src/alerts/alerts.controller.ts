import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  type Actor,
  type AlertView,
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

  @Post(':id/ack')
  @HttpCode(200)
  @Access({ scope: 'alerts:write', live: true })
  async ack(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<SuccessEnvelope<AlertView>> {
    pathId(alertIdSchema, id);
    return ok(await this.runtime.rpc.call(UsageSubjects.alerts.ack, { actor, id }, alertViewSchema));
  }
}

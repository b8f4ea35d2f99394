import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  type Actor,
  type AuditEntry,
  type PaginationQuery,
  Subjects,
  type SuccessEnvelope,
  auditPageSchema,
  paginationQuerySchema,
} from '@plexmcp/contracts';
import { CurrentActor, RequireScope, ScopeGuard } from '../auth/auth.decorators.js';
import { page } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/** `GET /v1/audit`: the organization's management audit log, newest first (keys:read). */
@Controller('v1/audit')
@UseGuards(ScopeGuard)
export class AuditController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @RequireScope('keys:read')
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(paginationQuerySchema)) query: PaginationQuery,
  ): Promise<SuccessEnvelope<AuditEntry[]>> {
    return page(await this.runtime.rpc.call(Subjects.audit.list, { actor, page: query }, auditPageSchema));
  }
}

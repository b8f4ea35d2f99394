import { Controller, Get } from '@nestjs/common';
import {
  type Actor,
  type AuditEntry,
  type PaginationQuery,
  Subjects,
  type SuccessEnvelope,
  auditPageSchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { page } from '../common/envelope.js';
import { PageQuery } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/** `GET /v1/audit`: the organization's management audit log, newest first (keys:read; live data). */
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access({ scope: 'keys:read', live: true })
  async list(
    @CurrentActor() actor: Actor,
    @PageQuery() query: PaginationQuery,
  ): Promise<SuccessEnvelope<AuditEntry[]>> {
    return page(await this.runtime.rpc.call(Subjects.audit.list, { actor, page: query }, auditPageSchema));
  }
}

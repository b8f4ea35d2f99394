import { Controller, Get, Query } from '@nestjs/common';
import {
  type Actor,
  type AuditEntry,
  type ListAuditQuery,
  Subjects,
  type SuccessEnvelope,
  auditPageSchema,
  listAuditQuerySchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { page } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * `GET /v1/audit`: the organization's management audit log, newest first (keys:read; live data),
 * narrowed by `actor`, `action`, `target`, `from` and `to`.
 */
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access({ scope: 'keys:read', live: true })
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listAuditQuerySchema)) query: ListAuditQuery,
  ): Promise<SuccessEnvelope<AuditEntry[]>> {
    const { cursor, limit, ...filter } = query;
    return page(
      await this.runtime.rpc.call(
        Subjects.audit.list,
        { actor, page: { cursor, limit }, filter },
        auditPageSchema,
      ),
    );
  }
}

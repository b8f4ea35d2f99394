import { Controller } from '@nestjs/common';
import {
  type AuditEntry,
  type ListAuditRequest,
  type Page,
  Subjects,
  listAuditRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { AuditService } from './audit.service.js';

@Controller()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @RpcHandler(Subjects.audit.list, listAuditRequestSchema)
  list(request: ListAuditRequest): Promise<Page<AuditEntry>> {
    return this.audit.list(request);
  }
}

import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type AuditEntry, type Page, Subjects, listAuditRequestSchema } from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { AuditService } from './audit.service.js';

@Controller()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @MessagePattern(Subjects.audit.list)
  list(@Payload() payload: unknown): Promise<Page<AuditEntry>> {
    return this.audit.list(parseRpc(listAuditRequestSchema, payload));
  }
}

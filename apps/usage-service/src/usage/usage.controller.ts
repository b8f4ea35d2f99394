import { Controller } from '@nestjs/common';
import { Subjects, type UsageReply, type UsageRequest, usageRequestSchema } from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { UsageService } from './usage.service.js';

@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @RpcHandler(Subjects.usage.query, usageRequestSchema)
  query(request: UsageRequest): Promise<UsageReply> {
    return this.usage.query(request);
  }
}

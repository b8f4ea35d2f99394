import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Subjects, type UsageReply, usageRequestSchema } from '@plexmcp/contracts';
import { parseRpc } from '@plexmcp/service-kit';
import { UsageService } from './usage.service.js';

@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @MessagePattern(Subjects.usage.query)
  query(@Payload() payload: unknown): Promise<UsageReply> {
    return this.usage.query(parseRpc(usageRequestSchema, payload));
  }
}

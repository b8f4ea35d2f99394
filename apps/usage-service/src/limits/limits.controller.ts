import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type LimitBlock, Subjects } from '@plexmcp/contracts';
import { LimitsService } from './limits.service.js';

@Controller()
export class LimitsController {
  constructor(private readonly limits: LimitsService) {}

  /** Internal: a starting gateway loads the blocks in force, then follows the events. */
  @MessagePattern(Subjects.usage.blocks)
  async blocks(): Promise<{ blocks: LimitBlock[] }> {
    return { blocks: await this.limits.activeBlocks() };
  }
}

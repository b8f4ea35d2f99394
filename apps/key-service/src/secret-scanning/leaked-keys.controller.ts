import { Controller } from '@nestjs/common';
import {
  type LeakedKeysReply,
  type LeakedKeysRequest,
  Subjects,
  leakedKeysRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { LeakedKeysService } from './leaked-keys.service.js';

@Controller()
export class LeakedKeysController {
  constructor(private readonly leaked: LeakedKeysService) {}

  @RpcHandler(Subjects.keys.leaked, leakedKeysRequestSchema)
  handle(request: LeakedKeysRequest): Promise<LeakedKeysReply> {
    return this.leaked.handle(request);
  }
}

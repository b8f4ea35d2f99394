import { Controller } from '@nestjs/common';
import {
  type BeginIdempotencyRequest,
  type CompleteIdempotencyRequest,
  type IdempotencyBeginReply,
  type IdempotencyDoneReply,
  type ReleaseIdempotencyRequest,
  Subjects,
  beginIdempotencyRequestSchema,
  completeIdempotencyRequestSchema,
  releaseIdempotencyRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { IdempotencyService } from './idempotency.service.js';

/** Internal (gateway): the Idempotency-Key records of POST routes. */
@Controller()
export class IdempotencyController {
  constructor(private readonly idempotency: IdempotencyService) {}

  @RpcHandler(Subjects.idempotency.begin, beginIdempotencyRequestSchema)
  begin(request: BeginIdempotencyRequest): Promise<IdempotencyBeginReply> {
    return this.idempotency.begin(request);
  }

  @RpcHandler(Subjects.idempotency.complete, completeIdempotencyRequestSchema)
  complete(request: CompleteIdempotencyRequest): Promise<IdempotencyDoneReply> {
    return this.idempotency.complete(request);
  }

  @RpcHandler(Subjects.idempotency.release, releaseIdempotencyRequestSchema)
  release(request: ReleaseIdempotencyRequest): Promise<IdempotencyDoneReply> {
    return this.idempotency.release(request);
  }
}

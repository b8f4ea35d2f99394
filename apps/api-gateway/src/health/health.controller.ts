import { Controller, Get, Req, Res } from '@nestjs/common';
import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC, Access } from '../auth/route-access.js';
import { errorEnvelope, ok } from '../common/envelope.js';
import { GatewayRuntime } from '../gateway-runtime.js';
import { checkReadiness } from './readiness.service.js';

@Controller()
export class HealthController {
  constructor(private readonly runtime: GatewayRuntime) {}

  /** Liveness: the process serves HTTP. Never depends on NATS (a restart would not help). */
  @Get('healthz')
  @Access(PUBLIC)
  live(): unknown {
    return ok({ status: 'ok', instance_id: this.runtime.instanceId });
  }

  /** Readiness: 200 only when NATS is up and the key- and usage-services answer; else 503. */
  @Get('readyz')
  @Access(PUBLIC)
  async ready(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const readiness = await checkReadiness(this.runtime);
    if (readiness.ready) return ok({ status: 'ready', checks: readiness.checks });
    const failing = Object.entries(readiness.checks)
      .filter(([, up]) => !up)
      .map(([name]) => name);
    reply.code(503);
    return errorEnvelope(
      new AppError(ErrorCode.ServiceUnavailable, `Not ready: ${failing.join(', ')} unavailable`, {
        details: failing.map((field) => ({ field, message: 'unavailable' })),
      }),
      request.requestId,
    );
  }
}

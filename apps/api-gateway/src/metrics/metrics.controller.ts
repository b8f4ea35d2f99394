import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PUBLIC, Access } from '../auth/route-access.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/** `GET /metrics`: Prometheus text exposition of this instance's registry. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access(PUBLIC)
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.type(this.runtime.metrics.registry.contentType);
    return this.runtime.metrics.registry.metrics();
  }
}

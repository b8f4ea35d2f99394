import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GatewayRuntime } from '../gateway-runtime.js';

/** `GET /metrics`: Prometheus text exposition of this instance's registry. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.type(this.runtime.metrics.registry.contentType);
    return this.runtime.metrics.registry.metrics();
  }
}

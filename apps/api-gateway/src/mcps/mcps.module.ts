import { Module } from '@nestjs/common';
import { McpsController } from './mcps.controller.js';

/** REST for MCPs; the Streamable HTTP proxy (proxy/) is a raw Fastify route registered at bootstrap. */
@Module({ controllers: [McpsController] })
export class McpsModule {}

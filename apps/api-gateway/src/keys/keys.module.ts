import { Module } from '@nestjs/common';
import { KeysController } from './keys.controller.js';

/** The key lifecycle under /v1/keys. GET /v1/me is a plain Fastify route (me.route.ts). */
@Module({ controllers: [KeysController] })
export class KeysModule {}

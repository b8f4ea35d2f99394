import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [KeysModule], controllers: [HealthController] })
export class HealthModule {}

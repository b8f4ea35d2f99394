import { Module } from '@nestjs/common';
import { KeysController } from './keys.controller.js';
import { MeController } from './me.controller.js';

@Module({ controllers: [MeController, KeysController] })
export class KeysModule {}

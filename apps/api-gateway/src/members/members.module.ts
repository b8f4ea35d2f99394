import { Module } from '@nestjs/common';
import { InvitationsController, MembersController } from './members.controller.js';

@Module({ controllers: [MembersController, InvitationsController] })
export class MembersModule {}

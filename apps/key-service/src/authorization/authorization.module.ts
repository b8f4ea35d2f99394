import { Global, Module } from '@nestjs/common';
import { ActorAuthority } from './actor-authority.service.js';

/** The acting-key check every management RPC goes through (see ActorAuthority). */
@Global()
@Module({ providers: [ActorAuthority], exports: [ActorAuthority] })
export class AuthorizationModule {}

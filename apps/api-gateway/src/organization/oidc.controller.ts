import { Body, Controller, Delete, Get, Put } from '@nestjs/common';
import {
  type Actor,
  type OidcConfigBody,
  type OidcConfigView,
  OidcSubjects,
  type SuccessEnvelope,
  oidcConfigBodySchema,
  oidcConfigViewSchema,
  oidcRemovedSchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access } from '../auth/route-access.js';
import { ok } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * `/v1/organization/oidc`: the organization's single sign-on provider, an owner's alone. The client
 * secret is write-only: answers say `client_secret_set`, never the secret.
 */
@Controller('v1/organization/oidc')
export class OidcController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access({ role: 'owner' })
  async get(@CurrentActor() actor: Actor): Promise<SuccessEnvelope<OidcConfigView>> {
    return ok(await this.runtime.rpc.call(OidcSubjects.get, { actor }, oidcConfigViewSchema));
  }

  @Put()
  @Access({ role: 'owner' })
  async put(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(oidcConfigBodySchema)) body: OidcConfigBody,
  ): Promise<SuccessEnvelope<OidcConfigView>> {
    return ok(await this.runtime.rpc.call(OidcSubjects.put, { actor, body }, oidcConfigViewSchema));
  }

  @Delete()
  @Access({ role: 'owner' })
  async remove(@CurrentActor() actor: Actor): Promise<SuccessEnvelope<{ removed: boolean }>> {
    return ok(await this.runtime.rpc.call(OidcSubjects.remove, { actor }, oidcRemovedSchema));
  }
}

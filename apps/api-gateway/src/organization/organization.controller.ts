import { Body, Controller, Get, Patch } from '@nestjs/common';
import {
  type Actor,
  type OrgSettingsBody,
  type OrganizationView,
  Subjects,
  type SuccessEnvelope,
  orgSettingsBodySchema,
  organizationViewSchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { AUTHENTICATED, Access } from '../auth/route-access.js';
import { ok } from '../common/envelope.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * `/v1/organization`: the caller's own organization. Anyone of it may read it; changing it (name,
 * monthly limit, IP allowlist, suspension) is an owner's, signed in — never an API key's.
 */
@Controller('v1/organization')
export class OrganizationController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access(AUTHENTICATED)
  async get(@CurrentActor() actor: Actor): Promise<SuccessEnvelope<OrganizationView>> {
    return ok(await this.runtime.rpc.call(Subjects.organization.get, { actor }, organizationViewSchema));
  }

  /** Suspension, limit and allowlist reach every key of the organization: answered once gateways evicted them. */
  @Patch()
  @Access({ role: 'owner' })
  async update(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(orgSettingsBodySchema)) body: OrgSettingsBody,
  ): Promise<SuccessEnvelope<OrganizationView>> {
    return ok(
      await this.runtime.rpc.call(Subjects.organization.update, { actor, body }, organizationViewSchema, {
        timeoutMs: this.runtime.changeTimeoutMs,
      }),
    );
  }
}

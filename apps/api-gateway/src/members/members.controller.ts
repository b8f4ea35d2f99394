import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  type AcceptInvitationBody,
  type AcceptedInvitation,
  type Actor,
  type CreateInvitationBody,
  type InvitationPreview,
  type InvitationView,
  MemberSubjects,
  type MemberView,
  type PaginationQuery,
  type PreviewInvitationBody,
  type DeletedMember,
  type SuccessEnvelope,
  type UpdateMemberBody,
  acceptInvitationBodySchema,
  acceptedInvitationSchema,
  createInvitationBodySchema,
  hashCredential,
  invitationIdSchema,
  invitationPageSchema,
  invitationPreviewSchema,
  invitationViewSchema,
  memberPageSchema,
  memberViewSchema,
  previewInvitationBodySchema,
  deletedMemberSchema,
  updateMemberBodySchema,
  userIdSchema,
} from '@plexmcp/contracts';
import { CurrentActor } from '../auth/auth.decorators.js';
import { Access, PUBLIC } from '../auth/route-access.js';
import { ok, page } from '../common/envelope.js';
import { pathId } from '../common/path-id.js';
import { PageQuery, ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { GatewayRuntime } from '../gateway-runtime.js';

/**
 * `/v1/members`: the organization's people — every member reads the list; admins change roles and
 * remove members (owners only where owners are concerned). People only: an API key never manages
 * people. Removing a member answers once every gateway ended their sessions.
 */
@Controller('v1/members')
export class MembersController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get()
  @Access({ role: 'viewer' })
  async list(
    @CurrentActor() actor: Actor,
    @PageQuery() query: PaginationQuery,
  ): Promise<SuccessEnvelope<MemberView[]>> {
    return page(await this.runtime.rpc.call(MemberSubjects.list, { actor, page: query }, memberPageSchema));
  }

  @Patch(':userId')
  @Access({ role: 'admin' })
  async update(
    @CurrentActor() actor: Actor,
    @Param('userId') userId: string,
    @Body(new ZodValidationPipe(updateMemberBodySchema)) body: UpdateMemberBody,
  ): Promise<SuccessEnvelope<MemberView>> {
    return ok(
      await this.runtime.rpc.call(
        MemberSubjects.update,
        { actor, user_id: pathId(userIdSchema, userId), body },
        memberViewSchema,
        { timeoutMs: this.runtime.changeTimeoutMs },
      ),
    );
  }

  @Delete(':userId')
  @Access({ role: 'admin' })
  async remove(
    @CurrentActor() actor: Actor,
    @Param('userId') userId: string,
  ): Promise<SuccessEnvelope<DeletedMember>> {
    return ok(
      await this.runtime.rpc.call(
        MemberSubjects.remove,
        { actor, user_id: pathId(userIdSchema, userId) },
        deletedMemberSchema,
        { timeoutMs: this.runtime.changeTimeoutMs },
      ),
    );
  }
}

/**
 * `/v1/invitations`: admins invite by email (a one-time link, mailed; never shown to the inviter)
 * with at most their own role, list and revoke them. Preview and accept are public: the token from
 * the link is the credential, sent in the body (never the URL), hashed before it leaves the gateway.
 */
@Controller('v1/invitations')
export class InvitationsController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Post()
  @HttpCode(201)
  @Access({ role: 'admin' })
  async create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createInvitationBodySchema)) body: CreateInvitationBody,
  ): Promise<SuccessEnvelope<InvitationView>> {
    return ok(await this.runtime.rpc.call(MemberSubjects.invite, { actor, body }, invitationViewSchema));
  }

  @Get()
  @Access({ role: 'admin' })
  async list(
    @CurrentActor() actor: Actor,
    @PageQuery() query: PaginationQuery,
  ): Promise<SuccessEnvelope<InvitationView[]>> {
    return page(
      await this.runtime.rpc.call(MemberSubjects.invitations, { actor, page: query }, invitationPageSchema),
    );
  }

  @Delete(':id')
  @Access({ role: 'admin' })
  async revoke(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
  ): Promise<SuccessEnvelope<InvitationView>> {
    return ok(
      await this.runtime.rpc.call(
        MemberSubjects.revokeInvitation,
        { actor, id: pathId(invitationIdSchema, id) },
        invitationViewSchema,
      ),
    );
  }

  @Post('preview')
  @HttpCode(200)
  @Access(PUBLIC)
  async preview(
    @Body(new ZodValidationPipe(previewInvitationBodySchema)) body: PreviewInvitationBody,
  ): Promise<SuccessEnvelope<InvitationPreview>> {
    return ok(
      await this.runtime.rpc.call(
        MemberSubjects.previewInvitation,
        { token_hash: hashCredential(body.token) },
        invitationPreviewSchema,
      ),
    );
  }

  @Post('accept')
  @HttpCode(200)
  @Access(PUBLIC)
  async accept(
    @Body(new ZodValidationPipe(acceptInvitationBodySchema)) body: AcceptInvitationBody,
  ): Promise<SuccessEnvelope<AcceptedInvitation>> {
    return ok(
      await this.runtime.rpc.call(
        MemberSubjects.acceptInvitation,
        {
          token_hash: hashCredential(body.token),
          ...(body.password === undefined ? {} : { password: body.password }),
        },
        acceptedInvitationSchema,
      ),
    );
  }
}

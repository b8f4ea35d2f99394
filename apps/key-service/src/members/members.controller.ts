import { Controller } from '@nestjs/common';
import {
  type AcceptInvitationRequest,
  type AcceptedInvitation,
  type CreateInvitationRequest,
  type InvitationPreview,
  type InvitationView,
  type ListRequest,
  MemberSubjects,
  type MemberView,
  type Page,
  type PreviewInvitationRequest,
  type DeleteMemberRequest,
  type DeletedMember,
  type RevokeInvitationRequest,
  type UpdateMemberRequest,
  acceptInvitationRequestSchema,
  createInvitationRequestSchema,
  listInvitationsRequestSchema,
  listMembersRequestSchema,
  previewInvitationRequestSchema,
  deleteMemberRequestSchema,
  revokeInvitationRequestSchema,
  updateMemberRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { MembersService } from './members.service.js';

/** Members and invitations, for the gateway's `/v1/members` and `/v1/invitations`. */
@Controller()
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @RpcHandler(MemberSubjects.list, listMembersRequestSchema)
  list(request: ListRequest): Promise<Page<MemberView>> {
    return this.members.list(request);
  }

  @RpcHandler(MemberSubjects.update, updateMemberRequestSchema)
  update(request: UpdateMemberRequest): Promise<MemberView> {
    return this.members.update(request);
  }

  @RpcHandler(MemberSubjects.remove, deleteMemberRequestSchema)
  remove(request: DeleteMemberRequest): Promise<DeletedMember> {
    return this.members.remove(request);
  }

  @RpcHandler(MemberSubjects.invite, createInvitationRequestSchema)
  invite(request: CreateInvitationRequest): Promise<InvitationView> {
    return this.members.invite(request);
  }

  @RpcHandler(MemberSubjects.invitations, listInvitationsRequestSchema)
  invitations(request: ListRequest): Promise<Page<InvitationView>> {
    return this.members.invitations(request);
  }

  @RpcHandler(MemberSubjects.revokeInvitation, revokeInvitationRequestSchema)
  revokeInvitation(request: RevokeInvitationRequest): Promise<InvitationView> {
    return this.members.revokeInvitation(request);
  }

  @RpcHandler(MemberSubjects.previewInvitation, previewInvitationRequestSchema)
  preview(request: PreviewInvitationRequest): Promise<InvitationPreview> {
    return this.members.preview(request);
  }

  @RpcHandler(MemberSubjects.acceptInvitation, acceptInvitationRequestSchema)
  accept(request: AcceptInvitationRequest): Promise<AcceptedInvitation> {
    return this.members.accept(request);
  }
}

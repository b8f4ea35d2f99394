import { Controller } from '@nestjs/common';
import {
  type AccountView,
  type AddMemberRequest,
  type CreatedOwner,
  type RemoveMemberRequest,
  Subjects,
  addMemberRequestSchema,
  removeMemberRequestSchema,
  IdentitySubjects,
  type OpenedSession,
  type RequestResetRequest,
  type SessionRequest,
  type SetPasswordRequest,
  type SignInReply,
  type SignInRequest,
  type SignInTotpRequest,
  type SignedOut,
  type SwitchOrgRequest,
  type TotpConfirmRequest,
  type TotpConfirmed,
  type TotpEnrollment,
  requestResetRequestSchema,
  sessionRequestSchema,
  setPasswordRequestSchema,
  signInRequestSchema,
  signInTotpRequestSchema,
  switchOrgRequestSchema,
  totpConfirmRequestSchema,
} from '@plexmcp/contracts';
import { RpcHandler } from '@plexmcp/service-kit';
import { IdentityService } from './identity.service.js';

/** People's sign-in and sessions, for the gateway's dashboard routes. */
@Controller()
export class IdentityController {
  constructor(private readonly identity: IdentityService) {}

  @RpcHandler(IdentitySubjects.signIn, signInRequestSchema)
  signIn(request: SignInRequest): Promise<SignInReply> {
    return this.identity.signIn(request);
  }

  @RpcHandler(IdentitySubjects.signInTotp, signInTotpRequestSchema)
  signInTotp(request: SignInTotpRequest): Promise<OpenedSession> {
    return this.identity.signInTotp(request);
  }

  @RpcHandler(IdentitySubjects.setPassword, setPasswordRequestSchema)
  setPassword(request: SetPasswordRequest): Promise<SignInReply> {
    return this.identity.setPassword(request);
  }

  @RpcHandler(IdentitySubjects.requestPasswordReset, requestResetRequestSchema)
  async requestPasswordReset(request: RequestResetRequest): Promise<{ accepted: true }> {
    await this.identity.requestPasswordReset(request);
    return { accepted: true };
  }

  @RpcHandler(IdentitySubjects.session, sessionRequestSchema)
  account({ session_hash }: SessionRequest): Promise<AccountView> {
    return this.identity.account(session_hash);
  }

  @RpcHandler(IdentitySubjects.signOut, sessionRequestSchema)
  signOut({ session_hash }: SessionRequest): Promise<SignedOut> {
    return this.identity.signOut(session_hash);
  }

  @RpcHandler(IdentitySubjects.signOutEverywhere, sessionRequestSchema)
  signOutEverywhere({ session_hash }: SessionRequest): Promise<SignedOut> {
    return this.identity.signOutEverywhere(session_hash);
  }

  @RpcHandler(IdentitySubjects.switchOrg, switchOrgRequestSchema)
  switchOrg(request: SwitchOrgRequest): Promise<OpenedSession> {
    return this.identity.switchOrg(request);
  }

  @RpcHandler(IdentitySubjects.totpEnroll, sessionRequestSchema)
  totpEnroll({ session_hash }: SessionRequest): Promise<TotpEnrollment> {
    return this.identity.totpEnroll(session_hash);
  }

  /** Operator only (`orgs.*`): a member with a role and their one-time set-password link. */
  @RpcHandler(Subjects.orgs.addMember, addMemberRequestSchema)
  addMember(request: AddMemberRequest): Promise<CreatedOwner> {
    return this.identity.addMember(request.org_id, request.email, request.role);
  }

  /** Operator only (`orgs.*`): removes a member, ending their sessions in the organization. */
  @RpcHandler(Subjects.orgs.removeMember, removeMemberRequestSchema)
  async removeMember(request: RemoveMemberRequest): Promise<{ removed: boolean }> {
    return { removed: await this.identity.removeMember(request.org_id, request.user_id) };
  }

  @RpcHandler(IdentitySubjects.totpConfirm, totpConfirmRequestSchema)
  totpConfirm(request: TotpConfirmRequest): Promise<TotpConfirmed> {
    return this.identity.totpConfirm(request);
  }
}

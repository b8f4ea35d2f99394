import { z } from 'zod';
import {
  actorRefSchema,
  actorRequestSchema,
  isoDateSchema,
  listRequestSchema,
  orgIdSchema,
  pageSchema,
  roleSchema,
  userIdSchema,
} from './common.schema.js';
import { IdPrefix, idPattern } from './ids.js';
import { credentialHashSchema, emailSchema, passwordSchema } from './identity.schema.js';

/**
 * The people of an organization (`/v1/members`) and the invitations that bring them in
 * (`/v1/invitations`). Only people manage people: every call is decided with a `role` target, and
 * no role may hand out or take away more than it holds (an admin neither invites, promotes nor
 * removes owners). An invitation is a one-time link mailed to its address; only its SHA-256 is
 * stored and crosses NATS.
 */
export const MemberSubjects = {
  list: 'members.list',
  update: 'members.update',
  remove: 'members.remove',
  invite: 'invitations.create',
  invitations: 'invitations.list',
  revokeInvitation: 'invitations.revoke',
  /** Public (the token is the credential): what the link is for, before accepting it. */
  previewInvitation: 'invitations.preview',
  acceptInvitation: 'invitations.accept',
} as const;

export const invitationIdSchema = z
  .string()
  .regex(idPattern(IdPrefix.OneTimeToken), 'must be an invitation id (ott_…)');

export const memberViewSchema = z.object({
  object: z.literal('member'),
  user_id: userIdSchema,
  organization_id: orgIdSchema,
  email: z.string(),
  role: roleSchema,
  totp_enabled: z.boolean(),
  joined_at: isoDateSchema,
});
export type MemberView = z.infer<typeof memberViewSchema>;
export const memberPageSchema = pageSchema(memberViewSchema);

/** Body of `PATCH /v1/members/{user_id}`. */
export const updateMemberBodySchema = z.strictObject({ role: roleSchema });
export type UpdateMemberBody = z.infer<typeof updateMemberBodySchema>;

export const invitationStatusSchema = z.enum(['pending', 'accepted', 'expired']);

export const invitationViewSchema = z.object({
  id: invitationIdSchema,
  object: z.literal('invitation'),
  organization_id: orgIdSchema,
  email: z.string(),
  role: roleSchema,
  status: invitationStatusSchema,
  invited_by: actorRefSchema,
  expires_at: isoDateSchema,
  created_at: isoDateSchema,
});
export type InvitationView = z.infer<typeof invitationViewSchema>;
export const invitationPageSchema = pageSchema(invitationViewSchema);

/** Body of `POST /v1/invitations`. */
export const createInvitationBodySchema = z.strictObject({ email: emailSchema, role: roleSchema });
export type CreateInvitationBody = z.infer<typeof createInvitationBodySchema>;

/** Bodies of `POST /v1/invitations/preview` and `/accept`: the token from the link's fragment. */
const invitationTokenSchema = z.string().min(1).max(200);
export const previewInvitationBodySchema = z.strictObject({ token: invitationTokenSchema });
export type PreviewInvitationBody = z.infer<typeof previewInvitationBodySchema>;
/** A password only when the address has no account yet (it becomes that account's password). */
export const acceptInvitationBodySchema = z.strictObject({
  token: invitationTokenSchema,
  password: passwordSchema.optional(),
});
export type AcceptInvitationBody = z.infer<typeof acceptInvitationBodySchema>;

export const invitationPreviewSchema = z.object({
  organization_id: orgIdSchema,
  organization_name: z.string(),
  email: z.string(),
  role: roleSchema,
  expires_at: isoDateSchema,
  /** Whether the address already has an account (then no password is asked for). */
  account_exists: z.boolean(),
});
export type InvitationPreview = z.infer<typeof invitationPreviewSchema>;

export const acceptedInvitationSchema = z.object({
  organization_id: orgIdSchema,
  user_id: userIdSchema,
  email: z.string(),
  role: roleSchema,
  account_created: z.boolean(),
});
export type AcceptedInvitation = z.infer<typeof acceptedInvitationSchema>;

// ---- RPC requests -------------------------------------------------------------------------

export const listMembersRequestSchema = listRequestSchema;
export const updateMemberRequestSchema = actorRequestSchema({
  user_id: userIdSchema,
  body: updateMemberBodySchema,
});
export type UpdateMemberRequest = z.infer<typeof updateMemberRequestSchema>;
export const deleteMemberRequestSchema = actorRequestSchema({ user_id: userIdSchema });
export type DeleteMemberRequest = z.infer<typeof deleteMemberRequestSchema>;
export const deletedMemberSchema = z.object({ user_id: userIdSchema, sessions_ended: z.number().int() });
export type DeletedMember = z.infer<typeof deletedMemberSchema>;

export const createInvitationRequestSchema = actorRequestSchema({ body: createInvitationBodySchema });
export type CreateInvitationRequest = z.infer<typeof createInvitationRequestSchema>;
export const listInvitationsRequestSchema = listRequestSchema;
export const revokeInvitationRequestSchema = actorRequestSchema({ id: invitationIdSchema });
export type RevokeInvitationRequest = z.infer<typeof revokeInvitationRequestSchema>;

export const previewInvitationRequestSchema = z.strictObject({ token_hash: credentialHashSchema });
export type PreviewInvitationRequest = z.infer<typeof previewInvitationRequestSchema>;
export const acceptInvitationRequestSchema = z.strictObject({
  token_hash: credentialHashSchema,
  password: passwordSchema.optional(),
});
export type AcceptInvitationRequest = z.infer<typeof acceptInvitationRequestSchema>;

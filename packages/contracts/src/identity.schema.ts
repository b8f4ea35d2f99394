import { z } from 'zod';
import { KEY_HASH_PATTERN } from './api-key.js';
import {
  isoDateSchema,
  noNul,
  orgIdSchema,
  roleSchema,
  sessionIdSchema,
  userIdSchema,
} from './common.schema.js';

/**
 * People and their dashboard sessions (the key-service's identity module), over NATS from the
 * gateway. Every secret a person holds — session cookie token, set-password link, sign-in
 * challenge — crosses NATS only as its SHA-256 (`*_hash`): the gateway hashes what the browser
 * sends, the key-service stores and compares hashes. Only a one-time link the key-service itself
 * issues (bootstrap, reset) leaves it in clear, once, to its recipient.
 */
export const IdentitySubjects = {
  signIn: 'identity.sign_in',
  signInTotp: 'identity.sign_in_totp',
  setPassword: 'identity.set_password',
  requestPasswordReset: 'identity.request_password_reset',
  session: 'identity.session',
  signOut: 'identity.sign_out',
  signOutEverywhere: 'identity.sign_out_everywhere',
  switchOrg: 'identity.switch_org',
  totpEnroll: 'identity.totp_enroll',
  totpConfirm: 'identity.totp_confirm',
} as const;

/** SHA-256 hex of a secret the browser holds (session token, one-time token). */
export const credentialHashSchema = z.string().regex(KEY_HASH_PATTERN, 'must be a SHA-256 hex digest');

export const emailSchema = z.string().trim().max(254).check(noNul).pipe(z.email());

/** 12–256 characters: length is what makes a password strong; no composition rules (NIST 800-63B). */
export const PASSWORD_MIN_LENGTH = 12;
export const passwordSchema = z.string().min(PASSWORD_MIN_LENGTH).max(256).check(noNul);

/** A 6-digit TOTP code, or a recovery code (`xxxxx-xxxxx`, base32 letters and digits). */
export const secondFactorCodeSchema = z
  .string()
  .trim()
  .max(32)
  .regex(/^(?:\d{6}|[a-z2-7]{5}-[a-z2-7]{5})$/i, 'must be a 6-digit code or a recovery code');

/** Where a request to open a session comes from (kept on the session, shown in its list). */
const clientSchema = {
  ip: z.string().max(64).nullable(),
  user_agent: z.string().max(512).nullable(),
};

/** Body of `POST /dashboard/api/account/sign-in`. */
export const signInBodySchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256).check(noNul),
  organization_id: orgIdSchema.optional(),
});
export type SignInBody = z.infer<typeof signInBodySchema>;

/** Body of `POST /dashboard/api/account/sign-in/totp`. */
export const signInTotpBodySchema = z.strictObject({
  challenge: z.string().min(1).max(200),
  code: secondFactorCodeSchema,
});
export type SignInTotpBody = z.infer<typeof signInTotpBodySchema>;

/** Body of `POST /dashboard/api/account/password` (from a set-password or reset link). */
export const setPasswordBodySchema = z.strictObject({
  token: z.string().min(1).max(200),
  password: passwordSchema,
});
export type SetPasswordBody = z.infer<typeof setPasswordBodySchema>;

export const requestResetBodySchema = z.strictObject({ email: emailSchema });
export const switchOrgBodySchema = z.strictObject({ organization_id: orgIdSchema });
export const totpConfirmBodySchema = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'must be 6 digits'),
});

// ---- RPC requests and replies -------------------------------------------------------------

/**
 * `identity.sign_in`: the gateway made a fresh random token; `session_hash` is its SHA-256. With
 * no second factor the session opens under that hash; with TOTP the same hash becomes the
 * challenge the second step must present (and the session opens under the next step's hash).
 */
export const signInRequestSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  org_id: orgIdSchema.nullable(),
  session_hash: credentialHashSchema,
  ...clientSchema,
});
export type SignInRequest = z.infer<typeof signInRequestSchema>;

export const openedSessionSchema = z.object({
  session_id: sessionIdSchema,
  user_id: userIdSchema,
  org_id: orgIdSchema,
  expires_at: isoDateSchema,
});
export type OpenedSession = z.infer<typeof openedSessionSchema>;

export const signInReplySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed_in'), session: openedSessionSchema }),
  z.object({ status: z.literal('totp_required'), challenge_expires_at: isoDateSchema }),
]);
export type SignInReply = z.infer<typeof signInReplySchema>;

export const signInTotpRequestSchema = z.strictObject({
  challenge_hash: credentialHashSchema,
  code: secondFactorCodeSchema,
  session_hash: credentialHashSchema,
  ...clientSchema,
});
export type SignInTotpRequest = z.infer<typeof signInTotpRequestSchema>;

export const setPasswordRequestSchema = z.strictObject({
  token_hash: credentialHashSchema,
  password: passwordSchema,
  session_hash: credentialHashSchema,
  ...clientSchema,
});
export type SetPasswordRequest = z.infer<typeof setPasswordRequestSchema>;

export const requestResetRequestSchema = z.strictObject({ email: emailSchema });
export type RequestResetRequest = z.infer<typeof requestResetRequestSchema>;

/** Calls made inside a session name it by its hash; the key-service checks it is live. */
export const sessionRequestSchema = z.strictObject({ session_hash: credentialHashSchema });
export type SessionRequest = z.infer<typeof sessionRequestSchema>;

export const switchOrgRequestSchema = z.strictObject({
  session_hash: credentialHashSchema,
  org_id: orgIdSchema,
  next_session_hash: credentialHashSchema,
  ...clientSchema,
});
export type SwitchOrgRequest = z.infer<typeof switchOrgRequestSchema>;

export const totpConfirmRequestSchema = z.strictObject({
  session_hash: credentialHashSchema,
  code: z.string().regex(/^\d{6}$/),
});
export type TotpConfirmRequest = z.infer<typeof totpConfirmRequestSchema>;

export const membershipViewSchema = z.object({
  organization_id: orgIdSchema,
  organization_name: z.string(),
  role: roleSchema,
});
export type MembershipView = z.infer<typeof membershipViewSchema>;

/** What the dashboard learns about the person signed in (`GET /dashboard/api/account`). */
export const accountViewSchema = z.object({
  user: z.object({ id: userIdSchema, email: z.string(), totp_enabled: z.boolean() }),
  session: z.object({ id: sessionIdSchema, expires_at: isoDateSchema }),
  organization: z.object({ id: orgIdSchema, name: z.string() }),
  role: roleSchema,
  memberships: z.array(membershipViewSchema),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export const signedOutSchema = z.object({ sessions_ended: z.number().int() });
export type SignedOut = z.infer<typeof signedOutSchema>;

/** TOTP enrolment: the seed to put in an authenticator app (shown once, until confirmed). */
export const totpEnrollmentSchema = z.object({ secret: z.string(), otpauth_url: z.string() });
export type TotpEnrollment = z.infer<typeof totpEnrollmentSchema>;

/** Confirmed: the recovery codes, shown this once (stored hashed). */
export const totpConfirmedSchema = z.object({ recovery_codes: z.array(z.string()) });
export type TotpConfirmed = z.infer<typeof totpConfirmedSchema>;

export const acceptedSchema = z.object({ accepted: z.literal(true) });

// ---- bootstrap: `plexmcp org create --owner-email` (operator, over orgs.create) -----------

/** The owner `orgs.create` made, and the one-time link that lets them set a password. */
export const createdOwnerSchema = z.object({
  user_id: userIdSchema,
  email: z.string(),
  /** The one-time set-password token: only the operator's CLI ever receives it. */
  set_password_token: z.string(),
  /** The dashboard page that takes it (`DASHBOARD_URL` of the key-service), token in the fragment. */
  set_password_url: z.string(),
  expires_at: isoDateSchema,
});
export type CreatedOwner = z.infer<typeof createdOwnerSchema>;

/** Internal (operator over NATS): add a member with a role; answers their one-time link. */
export const addMemberRequestSchema = z.strictObject({
  org_id: orgIdSchema,
  email: emailSchema,
  role: roleSchema,
});
export type AddMemberRequest = z.infer<typeof addMemberRequestSchema>;

/** Internal (operator over NATS): remove a member. */
export const removeMemberRequestSchema = z.strictObject({ org_id: orgIdSchema, user_id: userIdSchema });
export type RemoveMemberRequest = z.infer<typeof removeMemberRequestSchema>;
export const removedMemberSchema = z.object({ removed: z.boolean() });

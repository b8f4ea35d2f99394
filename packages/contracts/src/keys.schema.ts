import { z } from 'zod';
import { KEY_HASH_PATTERN } from './api-key.js';
import {
  actorRequestSchema,
  isoDateSchema,
  keyIdSchema,
  type ListRequest,
  listRequestSchema,
  mcpIdSchema,
  modeSchema,
  nameSchema,
  orgIdSchema,
  pageSchema,
  roleSchema,
  scopeSchema,
  sessionIdSchema,
  userIdSchema,
} from './common.schema.js';

export const permissionsSchema = z.strictObject({
  mcps: z.union([z.literal('*'), z.array(mcpIdSchema).max(1000)]),
});
export type Permissions = z.infer<typeof permissionsSchema>;

export const rateLimitSchema = z.strictObject({
  requests_per_second: z.number().int().min(1).max(100_000),
  burst: z.number().int().min(1).max(1_000_000),
});
export type RateLimit = z.infer<typeof rateLimitSchema>;

export const usageLimitSchema = z.strictObject({
  requests: z.number().int().min(1).max(1_000_000_000_000),
  period: z.enum(['day', 'month']),
});
export type UsageLimit = z.infer<typeof usageLimitSchema>;

export const EXPIRES_IN = ['30d', '90d', '365d'] as const;
export const DEFAULT_EXPIRES_IN = '90d';
export const GRACE_PERIODS = ['0', '1h', '24h', '7d'] as const;
export const GRACE_PERIOD_MS: Readonly<Record<(typeof GRACE_PERIODS)[number], number>> = {
  '0': 0,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
};
/** Keys may not live longer than one calendar year from creation. */
export function maxKeyExpiry(createdAt: Date): Date {
  const max = new Date(createdAt.getTime());
  max.setUTCFullYear(max.getUTCFullYear() + 1);
  return max;
}
export const EXPIRES_IN_MS: Readonly<Record<(typeof EXPIRES_IN)[number], number>> = {
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
  '365d': 365 * 86_400_000,
};

export const keyStatusSchema = z.enum(['active', 'revoked', 'expired']);

/** A key as shown to its organization: never the secret, never the hash. */
export const apiKeyViewSchema = z.object({
  id: keyIdSchema,
  object: z.literal('api_key'),
  organization_id: orgIdSchema,
  name: z.string(),
  mode: modeSchema,
  prefix: z.string(),
  last4: z.string(),
  permissions: permissionsSchema,
  scopes: z.array(scopeSchema),
  rate_limit: rateLimitSchema.nullable(),
  usage_limit: usageLimitSchema.nullable(),
  status: keyStatusSchema,
  expires_at: isoDateSchema,
  created_at: isoDateSchema,
  revoked_at: isoDateSchema.nullable(),
  last_used_at: isoDateSchema.nullable(),
  rotated_to: keyIdSchema.nullable(),
  /** A rotated key's end: it is refused from this instant (null unless rotated with a grace period). */
  grace_ends_at: isoDateSchema.nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

/** Public body of POST /v1/keys. */
export const createKeyBodySchema = z
  .strictObject({
    name: nameSchema,
    mode: modeSchema.default('live'),
    permissions: permissionsSchema.default({ mcps: '*' }),
    scopes: z.array(scopeSchema).max(20).default([]),
    rate_limit: rateLimitSchema.nullable().optional(),
    usage_limit: usageLimitSchema.nullable().optional(),
    expires_in: z.enum(EXPIRES_IN).optional(),
    expires_at: isoDateSchema.optional(),
  })
  .refine((b) => !(b.expires_in !== undefined && b.expires_at !== undefined), {
    message: 'give expires_in or expires_at, not both',
    path: ['expires_at'],
  });
export type CreateKeyBody = z.infer<typeof createKeyBodySchema>;

/**
 * Public body of PATCH /v1/keys/{id}. Mode is immutable (rotate instead); `expires_at` may move
 * within the key's bounds: in the future, at most one year after the key was created.
 */
export const updateKeyBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    permissions: permissionsSchema.optional(),
    scopes: z.array(scopeSchema).max(20).optional(),
    rate_limit: rateLimitSchema.nullable().optional(),
    usage_limit: usageLimitSchema.nullable().optional(),
    expires_at: isoDateSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type UpdateKeyBody = z.infer<typeof updateKeyBodySchema>;

export const rotateKeyBodySchema = z.strictObject({
  grace_period: z.enum(GRACE_PERIODS).default('0'),
});
export type RotateKeyBody = z.infer<typeof rotateKeyBodySchema>;

// ---- RPC requests and replies -------------------------------------------------------------

export const createKeyRequestSchema = actorRequestSchema({ body: createKeyBodySchema });
export type CreateKeyRequest = z.infer<typeof createKeyRequestSchema>;
export const createdKeySchema = z.object({ key: apiKeyViewSchema, secret: z.string() });
export type CreatedKey = z.infer<typeof createdKeySchema>;

export const listKeysRequestSchema = listRequestSchema;
export type ListKeysRequest = ListRequest;
export const keyPageSchema = pageSchema(apiKeyViewSchema);

export const keyByIdRequestSchema = actorRequestSchema({ id: keyIdSchema });
export type KeyByIdRequest = z.infer<typeof keyByIdRequestSchema>;

export const updateKeyRequestSchema = actorRequestSchema({ id: keyIdSchema, body: updateKeyBodySchema });
export type UpdateKeyRequest = z.infer<typeof updateKeyRequestSchema>;

export const rotateKeyRequestSchema = actorRequestSchema({ id: keyIdSchema, body: rotateKeyBodySchema });
export type RotateKeyRequest = z.infer<typeof rotateKeyRequestSchema>;
export const rotatedKeySchema = z.object({
  key: apiKeyViewSchema,
  secret: z.string(),
  previous: apiKeyViewSchema,
});
export type RotatedKey = z.infer<typeof rotatedKeySchema>;

// ---- keys.validate: the authorization policy the gateway caches ---------------------------

export const validateKeyRequestSchema = z.strictObject({
  key_hash: z.string().regex(KEY_HASH_PATTERN, 'must be a SHA-256 hex digest'),
});
export type ValidateKeyRequest = z.infer<typeof validateKeyRequestSchema>;

/**
 * The person behind a dashboard session: the grant of such a policy is their role's in the
 * session's organization (see `roleGrant`), and `key_id` is then the session's id.
 */
export const policyUserSchema = z.object({
  user_id: userIdSchema,
  session_id: sessionIdSchema,
  role: roleSchema,
});
export type PolicyUser = z.infer<typeof policyUserSchema>;

export const keyPolicySchema = z.object({
  /** The key's id, or for a dashboard session (`user` set) the session's id. */
  key_id: z.union([keyIdSchema, sessionIdSchema]),
  org_id: orgIdSchema,
  mode: modeSchema,
  permissions: permissionsSchema,
  scopes: z.array(scopeSchema),
  rate_limit: rateLimitSchema.nullable(),
  usage_limit: usageLimitSchema.nullable(),
  expires_at: isoDateSchema,
  /** CIDRs; null or empty means any address. */
  ip_allowlist: z.array(z.string()).nullable(),
  org_monthly_limit: z.number().int().nullable(),
  /** Present when the credential is a person's dashboard session rather than an API key. */
  user: policyUserSchema.nullable().optional(),
});
export type KeyPolicy = z.infer<typeof keyPolicySchema>;

export const validationStatusSchema = z.enum(['active', 'unknown', 'revoked', 'expired', 'org_suspended']);
export type ValidationStatus = z.infer<typeof validationStatusSchema>;

export const validateKeyReplySchema = z.object({
  status: validationStatusSchema,
  /** Present when the key exists (any status but `unknown`). */
  policy: keyPolicySchema.nullable(),
});
export type ValidateKeyReply = z.infer<typeof validateKeyReplySchema>;

import { z } from 'zod';
import { KEY_HASH_PATTERN } from './api-key.js';
import { isValidCidr } from './cidr.js';
import { type SuccessEnvelope, successEnvelope } from './errors.js';
import { heldIdempotencyKeySchema } from './http-conventions.schema.js';
import {
  actorRefSchema,
  actorRequestSchema,
  creatorIdSchema,
  isoDateSchema,
  keyIdSchema,
  mcpIdSchema,
  modeSchema,
  nameSchema,
  noNul,
  orgIdSchema,
  pageSchema,
  type ListRequest,
  listRequestSchema,
  paginationQuerySchema,
  roleSchema,
  scopeSchema,
  sessionIdSchema,
  userIdSchema,
} from './common.schema.js';

/** An MCP tool's name as `tools/list` and `tools/call` carry it: 1–128 visible ASCII characters. */
export const toolNameSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be an MCP tool name (1–128 visible ASCII characters)');

/**
 * Which MCPs a key may use and, optionally, which tools of them: `tools` maps an MCP id to the only
 * tools the key may list and call there; an MCP without an entry allows all its tools. `tools` may
 * only name MCPs the key is permitted.
 */
export const permissionsSchema = z
  .strictObject({
    mcps: z.union([z.literal('*'), z.array(mcpIdSchema).max(1000)]),
    tools: z.record(mcpIdSchema, z.array(toolNameSchema).max(500)).optional(),
  })
  .refine((p) => p.tools === undefined || Object.keys(p.tools).length <= 1000, {
    message: 'at most 1000 MCPs with tool lists',
    path: ['tools'],
  })
  .refine(
    (p) =>
      p.tools === undefined ||
      p.mcps === '*' ||
      Object.keys(p.tools).every((id) => (p.mcps as string[]).includes(id)),
    { message: 'tools may only name MCPs listed in mcps', path: ['tools'] },
  );
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

export const keyStatusSchema = z.enum(['active', 'disabled', 'revoked', 'expired']);

/**
 * Free-form labels of a key: up to 20 string pairs (`metadata`) and 20 tags, both filterable in
 * `GET /v1/keys` (`?tag=…`, `?metadata=key:value`). Never secret: do not store credentials there.
 */
export const keyMetadataSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'must be 1–40 letters, digits or _ . : -'),
    z.string().max(500).check(noNul),
  )
  .refine((m) => Object.keys(m).length <= 20, { message: 'at most 20 metadata pairs' });
export const keyTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'must be 1–40 letters, digits or _ . : -');
export const keyTagsSchema = z.array(keyTagSchema).max(20);
/** CIDRs a key may be used from, checked beside its organization's allowlist (both must allow). */
export const keyIpAllowlistSchema = z
  .array(z.string().max(64).refine(isValidCidr, { message: 'must be an IPv4 or IPv6 CIDR' }))
  .min(1)
  .max(100)
  .nullable();

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
  metadata: z.record(z.string(), z.string()),
  tags: z.array(z.string()),
  ip_allowlist: z.array(z.string()).nullable(),
  /** Who created the key: a person, a key, or `system` (the operator's CLI). */
  created_by: actorRefSchema,
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
    metadata: keyMetadataSchema.optional(),
    tags: keyTagsSchema.optional(),
    ip_allowlist: keyIpAllowlistSchema.optional(),
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
    metadata: keyMetadataSchema.optional(),
    tags: keyTagsSchema.optional(),
    ip_allowlist: keyIpAllowlistSchema.optional(),
    /** `disabled`: refused like a revoked key (every gateway evicts it first) until set `active` again. */
    status: z.enum(['active', 'disabled']).optional(),
    expires_at: isoDateSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type UpdateKeyBody = z.infer<typeof updateKeyBodySchema>;

export const rotateKeyBodySchema = z.strictObject({
  grace_period: z.enum(GRACE_PERIODS).default('0'),
});
export type RotateKeyBody = z.infer<typeof rotateKeyBodySchema>;

// ---- RPC requests and replies -------------------------------------------------------------

export const createKeyRequestSchema = actorRequestSchema({
  body: createKeyBodySchema,
  idempotency: heldIdempotencyKeySchema.optional(),
});
export type CreateKeyRequest = z.infer<typeof createKeyRequestSchema>;
export const createdKeySchema = z.object({ key: apiKeyViewSchema, secret: z.string() });
export type CreatedKey = z.infer<typeof createdKeySchema>;

/**
 * The HTTP answer (201) of `POST /v1/keys`: the gateway sends it, and the key-service stores it
 * for an Idempotency-Key replay in the transaction that creates the key (both from the reply as
 * `createdKeySchema` parses it, so the bytes are the same).
 */
export function createdKeyAnswer(created: CreatedKey): SuccessEnvelope<ApiKeyView & { secret: string }> {
  return successEnvelope({ ...created.key, secret: created.secret });
}

/**
 * Query of GET /v1/keys: a page, narrowed to keys with a tag, a metadata pair and/or one creator
 * (a person or a key).
 */
export const listKeysQuerySchema = paginationQuerySchema.extend({
  tag: keyTagSchema.optional(),
  /** `key:value` — keys whose metadata has exactly this pair. */
  metadata: z
    .string()
    .max(541)
    .check(noNul)
    .regex(/^[A-Za-z0-9_.-]{1,40}:/, 'must be key:value')
    .optional(),
  created_by: creatorIdSchema.optional(),
});
export type ListKeysQuery = z.infer<typeof listKeysQuerySchema>;
export const listKeysRequestSchema = listRequestSchema.extend({
  filter: z
    .strictObject({
      tag: keyTagSchema.optional(),
      metadata: z
        .strictObject({ key: z.string().max(40), value: z.string().max(500).check(noNul) })
        .optional(),
      created_by: creatorIdSchema.optional(),
    })
    .optional(),
});
export type ListKeysRequest = ListRequest & z.infer<typeof listKeysRequestSchema>;
export const keyPageSchema = pageSchema(apiKeyViewSchema);

export const keyByIdRequestSchema = actorRequestSchema({ id: keyIdSchema });
export type KeyByIdRequest = z.infer<typeof keyByIdRequestSchema>;

export const updateKeyRequestSchema = actorRequestSchema({ id: keyIdSchema, body: updateKeyBodySchema });
export type UpdateKeyRequest = z.infer<typeof updateKeyRequestSchema>;

export const rotateKeyRequestSchema = actorRequestSchema({
  id: keyIdSchema,
  body: rotateKeyBodySchema,
  idempotency: heldIdempotencyKeySchema.optional(),
});
export type RotateKeyRequest = z.infer<typeof rotateKeyRequestSchema>;
export const rotatedKeySchema = z.object({
  key: apiKeyViewSchema,
  secret: z.string(),
  previous: apiKeyViewSchema,
});
export type RotatedKey = z.infer<typeof rotatedKeySchema>;

/** The HTTP answer (201) of `POST /v1/keys/{id}/rotate`; see `createdKeyAnswer`. */
export function rotatedKeyAnswer(
  rotated: RotatedKey,
): SuccessEnvelope<ApiKeyView & { secret: string; previous: ApiKeyView }> {
  return successEnvelope({ ...rotated.key, secret: rotated.secret, previous: rotated.previous });
}

// ---- keys.expiring: keys about to expire, for the usage-service's warnings -------------------

/** Active keys expiring in (`after`, `before`], oldest expiry first, after the cursor key. */
export const expiringKeysRequestSchema = z.strictObject({
  after: isoDateSchema,
  before: isoDateSchema,
  cursor: z.strictObject({ expires_at: isoDateSchema, id: keyIdSchema }).nullable(),
  limit: z.number().int().min(1).max(1000),
});
export type ExpiringKeysRequest = z.infer<typeof expiringKeysRequestSchema>;
export const expiringKeysReplySchema = z.object({
  keys: z.array(z.object({ id: keyIdSchema, org_id: orgIdSchema, expires_at: isoDateSchema })),
});
export type ExpiringKeysReply = z.infer<typeof expiringKeysReplySchema>;

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
  /** The key's own CIDRs, checked beside the organization's; null or absent: any address. */
  key_ip_allowlist: z.array(z.string()).nullable().optional(),
  org_monthly_limit: z.number().int().nullable(),
  /** Present when the credential is a person's dashboard session rather than an API key. */
  user: policyUserSchema.nullable().optional(),
});
export type KeyPolicy = z.infer<typeof keyPolicySchema>;

export const validationStatusSchema = z.enum([
  'active',
  'unknown',
  'revoked',
  'expired',
  'org_suspended',
  'disabled',
]);
export type ValidationStatus = z.infer<typeof validationStatusSchema>;

export const validateKeyReplySchema = z.object({
  status: validationStatusSchema,
  /** Present when the key exists (any status but `unknown`). */
  policy: keyPolicySchema.nullable(),
});
export type ValidateKeyReply = z.infer<typeof validateKeyReplySchema>;

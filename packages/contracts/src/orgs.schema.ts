import { z } from 'zod';
import { createdKeySchema } from './keys.schema.js';
import { createdOwnerSchema, emailSchema } from './identity.schema.js';
import {
  actorRefSchema,
  actorRequestSchema,
  creatorIdSchema,
  isoDateSchema,
  listRequestSchema,
  nameSchema,
  orgIdSchema,
  pageSchema,
  paginationQuerySchema,
} from './common.schema.js';
import { isValidCidr } from './cidr.js';

export const cidrSchema = z.string().max(64).refine(isValidCidr, { message: 'must be an IPv4 or IPv6 CIDR' });

export const organizationViewSchema = z.object({
  id: orgIdSchema,
  object: z.literal('organization'),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  monthly_request_limit: z.number().int().nullable(),
  ip_allowlist: z.array(z.string()).nullable(),
  /** Revoke test keys a secret scanner reports leaked (live keys always are); default false. */
  revoke_leaked_test_keys: z.boolean().optional(),
  created_at: isoDateSchema,
});
export type OrganizationView = z.infer<typeof organizationViewSchema>;

/** Internal (CLI over NATS): create an organization and its first admin key. */
export const createOrgRequestSchema = z.strictObject({
  name: nameSchema,
  monthly_request_limit: z.number().int().min(1).nullable().default(null),
  ip_allowlist: z.array(cidrSchema).max(100).nullable().default(null),
  /** Also create (or find) this person and make them the owner, with a one-time set-password link. */
  owner_email: emailSchema.optional(),
});
export type CreateOrgRequest = z.infer<typeof createOrgRequestSchema>;
export const createdOrgSchema = z.object({
  organization: organizationViewSchema,
  admin_key: createdKeySchema,
  owner: createdOwnerSchema.optional(),
});
export type CreatedOrg = z.infer<typeof createdOrgSchema>;

export const getOrgRequestSchema = z.strictObject({ id: orgIdSchema });

/** The settings of an organization: `PATCH /v1/organization`, and the CLI's `org update`. */
export const orgSettingsBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    status: z.enum(['active', 'suspended']).optional(),
    monthly_request_limit: z.number().int().min(1).nullable().optional(),
    ip_allowlist: z.array(cidrSchema).max(100).nullable().optional(),
    /** Revoke test keys a secret scanner reports leaked (live keys always are). */
    revoke_leaked_test_keys: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type OrgSettingsBody = z.infer<typeof orgSettingsBodySchema>;
/** Internal (CLI over NATS): every organization, newest first, a page at a time. */
export const listOrgsRequestSchema = z.strictObject({ page: paginationQuerySchema });
export type ListOrgsRequest = z.infer<typeof listOrgsRequestSchema>;
export const orgPageSchema = pageSchema(organizationViewSchema);

/** Internal (CLI over NATS): suspend/reactivate, change limit or allowlist. */
export const updateOrgRequestSchema = z.strictObject({
  id: orgIdSchema,
  body: orgSettingsBodySchema,
});
export type UpdateOrgRequest = z.infer<typeof updateOrgRequestSchema>;

/** The caller's own organization (`GET /v1/organization`): any member may read it. */
export const getOwnOrgRequestSchema = actorRequestSchema({});
export type GetOwnOrgRequest = z.infer<typeof getOwnOrgRequestSchema>;
/** Change the caller's own organization (`PATCH /v1/organization`): its owners only. */
export const updateOwnOrgRequestSchema = actorRequestSchema({ body: orgSettingsBodySchema });
export type UpdateOwnOrgRequest = z.infer<typeof updateOwnOrgRequestSchema>;

/** What an audit entry is about. */
export const AUDIT_TARGET_TYPES = ['api_key', 'mcp', 'organization', 'member', 'invitation'] as const;

export const auditEntrySchema = z.object({
  id: z.string(),
  object: z.literal('audit_entry'),
  organization_id: orgIdSchema,
  /** The acting key, when a key acted (kept for earlier clients; `actor` says who in every case). */
  actor_key_id: z.string().nullable(),
  actor: actorRefSchema,
  action: z.string(),
  target_type: z.enum(AUDIT_TARGET_TYPES),
  target_id: z.string(),
  ip: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: isoDateSchema,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** What `GET /v1/audit` may narrow the log to; every filter given must match. */
export const auditFilterSchema = z.strictObject({
  /** The person or key that acted. */
  actor: creatorIdSchema.optional(),
  /** e.g. `key.updated`. */
  action: z
    .string()
    .max(64)
    .regex(/^[a-z_]+(\.[a-z_]+)*$/, 'must be an action name such as key.updated')
    .optional(),
  /** The id of the key, MCP or organization acted on. */
  target: z
    .string()
    .max(64)
    .regex(/^[a-z]+_[A-Za-z0-9]+$/, 'must be an id such as key_…')
    .optional(),
  /** Entries at or after this instant. */
  from: isoDateSchema.optional(),
  /** Entries before this instant. */
  to: isoDateSchema.optional(),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;
/** The query of `GET /v1/audit`: a page and the filters. */
export const listAuditQuerySchema = paginationQuerySchema.extend(auditFilterSchema.shape);
export type ListAuditQuery = z.infer<typeof listAuditQuerySchema>;
export const listAuditRequestSchema = listRequestSchema.extend({ filter: auditFilterSchema.optional() });
export type ListAuditRequest = z.infer<typeof listAuditRequestSchema>;
export const auditPageSchema = pageSchema(auditEntrySchema);

import { z } from 'zod';
import {
  actorSchema,
  isoDateSchema,
  mcpIdSchema,
  modeSchema,
  nameSchema,
  orgIdSchema,
  pageSchema,
  paginationQuerySchema,
} from './common.schema.js';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers the gateway sets itself and an upstream configuration may not override. */
export const RESERVED_UPSTREAM_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection'];

export const upstreamUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((u) => !/[@]/.test(new URL(u).host) && new URL(u).username === '', {
    message: 'must not contain credentials; use upstream_headers',
  });

export const upstreamHeadersSchema = z
  .record(z.string().regex(HEADER_NAME, 'invalid header name'), z.string().max(4000))
  .refine((h) => Object.keys(h).length <= 20, { message: 'at most 20 headers' })
  .refine((h) => Object.keys(h).every((k) => !RESERVED_UPSTREAM_HEADERS.includes(k.toLowerCase())), {
    message: `may not set ${RESERVED_UPSTREAM_HEADERS.join(', ')}`,
  });

/** An MCP as shown over the API: upstream header values are write-only. */
export const mcpViewSchema = z.object({
  id: mcpIdSchema,
  object: z.literal('mcp'),
  organization_id: orgIdSchema,
  name: z.string(),
  mode: modeSchema,
  upstream_url: z.string(),
  upstream_header_names: z.array(z.string()),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
});
export type McpView = z.infer<typeof mcpViewSchema>;

export const createMcpBodySchema = z.strictObject({
  name: nameSchema,
  mode: modeSchema.default('live'),
  upstream_url: upstreamUrlSchema,
  upstream_headers: upstreamHeadersSchema.default({}),
});
export type CreateMcpBody = z.infer<typeof createMcpBodySchema>;

export const updateMcpBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    mode: modeSchema.optional(),
    upstream_url: upstreamUrlSchema.optional(),
    upstream_headers: upstreamHeadersSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type UpdateMcpBody = z.infer<typeof updateMcpBodySchema>;

export const createMcpRequestSchema = z.strictObject({ actor: actorSchema, body: createMcpBodySchema });
export type CreateMcpRequest = z.infer<typeof createMcpRequestSchema>;

export const listMcpsRequestSchema = z.strictObject({
  actor: actorSchema,
  page: paginationQuerySchema,
  /** When set, only these MCPs (a key's permission list); `'*'` or absent means all. */
  only: z.union([z.literal('*'), z.array(mcpIdSchema)]).optional(),
  mode: modeSchema.optional(),
});
export type ListMcpsRequest = z.infer<typeof listMcpsRequestSchema>;
export const mcpPageSchema = pageSchema(mcpViewSchema);

export const mcpByIdRequestSchema = z.strictObject({ actor: actorSchema, id: mcpIdSchema });
export type McpByIdRequest = z.infer<typeof mcpByIdRequestSchema>;

export const updateMcpRequestSchema = z.strictObject({
  actor: actorSchema,
  id: mcpIdSchema,
  body: updateMcpBodySchema,
});
export type UpdateMcpRequest = z.infer<typeof updateMcpRequestSchema>;

/** Internal routing record: includes the secret upstream headers. Never sent to clients. */
export const resolveMcpRequestSchema = z.strictObject({ id: mcpIdSchema });
export const mcpRouteSchema = z.object({
  id: mcpIdSchema,
  org_id: orgIdSchema,
  mode: modeSchema,
  upstream_url: z.string(),
  upstream_headers: z.record(z.string(), z.string()),
  version: z.number().int(),
});
export type McpRoute = z.infer<typeof mcpRouteSchema>;
export const resolveMcpReplySchema = z.object({ route: mcpRouteSchema.nullable() });
export type ResolveMcpReply = z.infer<typeof resolveMcpReplySchema>;

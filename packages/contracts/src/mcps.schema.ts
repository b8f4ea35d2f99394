import { z } from 'zod';
import { heldIdempotencyKeySchema } from './http-conventions.schema.js';
import {
  actorRequestSchema,
  isoDateSchema,
  mcpIdSchema,
  modeSchema,
  nameSchema,
  noControlOrSpace,
  orgIdSchema,
  pageSchema,
  paginationQuerySchema,
} from './common.schema.js';

/** An RFC 9110 field name: a token (`tchar`s only), at most 100 characters. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/**
 * An RFC 9110 field value as the gateway sends it: visible ASCII with inner spaces or tabs, no
 * surrounding whitespace (a parser strips it), and never CR, LF, NUL or another control character
 * (header injection; Node and undici refuse to send them, so every call to the MCP would fail).
 */
const HEADER_VALUE = /^(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/;

/**
 * Header names an MCP's configuration may not set: hop-by-hop and framing headers (RFC 9110 §7.6.1,
 * they describe one connection, not the request), and headers the gateway itself writes for the
 * upstream (its request id, the Forwarded/X-Forwarded-* set, the upstream's own session id). An
 * upstream credential — Authorization, a token header, even Cookie — is the point of configured
 * headers and stays allowed.
 */
export const RESERVED_UPSTREAM_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
  'x-request-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'mcp-session-id',
];

function parsesAsUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

export const upstreamUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .check(noControlOrSpace)
  .refine(
    (u) => {
      const url = parsesAsUrl(u);
      return url === null || (!url.host.includes('@') && url.username === '' && url.password === '');
    },
    { message: 'must not contain credentials; use upstream_headers' },
  );

export const upstreamHeadersSchema = z
  .record(
    z.string().regex(HEADER_NAME, 'invalid header name: must be an RFC 9110 token'),
    z
      .string()
      .max(4000)
      .regex(HEADER_VALUE, 'invalid header value: visible ASCII, spaces and tabs only, no CR/LF'),
  )
  .refine((h) => Object.keys(h).length <= 20, { message: 'at most 20 headers' })
  .refine((h) => Object.keys(h).every((k) => !RESERVED_UPSTREAM_HEADERS.includes(k.toLowerCase())), {
    message: `may not set ${RESERVED_UPSTREAM_HEADERS.join(', ')}`,
  })
  .refine((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length, {
    message: 'header names must be unique, ignoring case',
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

export const createMcpRequestSchema = actorRequestSchema({
  body: createMcpBodySchema,
  idempotency: heldIdempotencyKeySchema.optional(),
});
export type CreateMcpRequest = z.infer<typeof createMcpRequestSchema>;

export const listMcpsRequestSchema = actorRequestSchema({
  page: paginationQuerySchema,
  /** When set, only these MCPs (a key's permission list); `'*'` or absent means all. */
  only: z.union([z.literal('*'), z.array(mcpIdSchema)]).optional(),
  mode: modeSchema.optional(),
});
export type ListMcpsRequest = z.infer<typeof listMcpsRequestSchema>;
export const mcpPageSchema = pageSchema(mcpViewSchema);

export const mcpByIdRequestSchema = actorRequestSchema({ id: mcpIdSchema });
export type McpByIdRequest = z.infer<typeof mcpByIdRequestSchema>;

export const updateMcpRequestSchema = actorRequestSchema({ id: mcpIdSchema, body: updateMcpBodySchema });
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

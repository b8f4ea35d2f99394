import {
  DEFAULT_MESSAGES,
  ERROR_CODES,
  type Scope,
  apiKeyViewSchema,
  auditEntrySchema,
  listAuditQuerySchema,
  createKeyBodySchema,
  createMcpBodySchema,
  mcpViewSchema,
  paginationQuerySchema,
  rotateKeyBodySchema,
  updateKeyBodySchema,
  updateMcpBodySchema,
} from '@plexmcp/contracts';
import { z } from 'zod';
import { USAGE_ROUTES } from './usage-routes.js';

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  scope: Scope | 'any valid key' | 'key with that MCP' | 'none';
  body?: z.ZodType;
  query?: z.ZodObject;
  /** Schema of `data`; `list` wraps it in an array with pagination. */
  data?: z.ZodType;
  list?: boolean;
  status?: number;
  /** Raw (not enveloped) response, e.g. the MCP proxy or health. */
  raw?: string;
}

const secretView = (schema: z.ZodObject) =>
  schema.extend({ secret: z.string().describe('The key, shown only once.') });

const meSchema = apiKeyViewSchema.pick({
  id: true,
  object: true,
  organization_id: true,
  mode: true,
  prefix: true,
  last4: true,
  permissions: true,
  scopes: true,
  rate_limit: true,
  usage_limit: true,
  expires_at: true,
});

/**
 * Sent on every response to a key with a rate limit (success and 429): the fields of
 * draft-ietf-httpapi-ratelimit-headers-10, and the earlier draft's three fields clients may already read.
 */
const secondsOrCount = (description: string) => ({ description, schema: { type: 'integer' } });
const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': {
    description:
      'The key\'s quota policies (structured-field List): `"default";q=<requests per second>;w=1`, and when its burst exceeds its rate `"burst";q=<extra requests>;w=60`. Only on keys with a rate limit.',
    schema: { type: 'string', examples: ['"default";q=5;w=1, "burst";q=5;w=60'] },
  },
  RateLimit: {
    description:
      'What is left (structured-field List): `"default";r=<remaining this second>;t=<seconds until it refills>`, followed by `"burst";r=…;t=…` when the request drew on the burst. Counted across every gateway when they share Redis. Only on keys with a rate limit.',
    schema: { type: 'string', examples: ['"default";r=4;t=1'] },
  },
  'RateLimit-Limit': secondsOrCount('Requests per second of the key (earlier draft field).'),
  'RateLimit-Remaining': secondsOrCount('Requests left this second (earlier draft field).'),
  'RateLimit-Reset': secondsOrCount('Seconds until the window refills (earlier draft field).'),
  'Retry-After': secondsOrCount('Seconds to wait before retrying.'),
};
const RATE_LIMIT_HEADER_REFS = Object.fromEntries(
  ['RateLimit-Policy', 'RateLimit', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'].map(
    (name) => [name, { $ref: `#/components/headers/${name}` }],
  ),
);

/** Every public route, with the same zod schemas the handlers validate with. */
const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/me',
    summary: "The calling key's own metadata",
    scope: 'any valid key',
    data: meSchema,
  },
  {
    method: 'get',
    path: '/v1/mcps',
    summary: 'MCPs this key may use',
    scope: 'any valid key',
    query: paginationQuerySchema,
    data: mcpViewSchema,
    list: true,
  },
  {
    method: 'post',
    path: '/v1/mcps',
    summary: 'Register an MCP',
    scope: 'mcps:write',
    body: createMcpBodySchema,
    data: mcpViewSchema,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/mcps/{id}',
    summary: 'One MCP',
    scope: 'key with that MCP',
    data: mcpViewSchema,
  },
  {
    method: 'patch',
    path: '/v1/mcps/{id}',
    summary: 'Update an MCP',
    scope: 'mcps:write',
    body: updateMcpBodySchema,
    data: mcpViewSchema,
  },
  {
    method: 'delete',
    path: '/v1/mcps/{id}',
    summary: 'Remove an MCP',
    scope: 'mcps:write',
    data: mcpViewSchema,
  },
  {
    method: 'post',
    path: '/v1/mcps/{id}/mcp',
    summary:
      'MCP Streamable HTTP endpoint (JSON-RPC), proxied upstream. Metered: live-key calls are billed and count toward usage limits (429 usage_limit_exceeded)',
    scope: 'key with that MCP',
    raw: 'application/json or text/event-stream from the upstream MCP server',
  },
  {
    method: 'get',
    path: '/v1/mcps/{id}/mcp',
    summary: 'MCP Streamable HTTP SSE stream, proxied upstream',
    scope: 'key with that MCP',
    raw: 'text/event-stream from the upstream MCP server',
  },
  {
    method: 'delete',
    path: '/v1/mcps/{id}/mcp',
    summary: 'End an MCP session (Mcp-Session-Id), proxied upstream',
    scope: 'key with that MCP',
    raw: 'upstream answer',
  },
  {
    method: 'post',
    path: '/v1/keys',
    summary:
      "Create a key (the secret is returned once) within the caller's own grant: scopes, MCPs, mode, expiry and limits",
    scope: 'keys:write',
    body: createKeyBodySchema,
    data: secretView(apiKeyViewSchema),
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/keys',
    summary: "The organization's keys",
    scope: 'keys:read',
    query: paginationQuerySchema,
    data: apiKeyViewSchema,
    list: true,
  },
  { method: 'get', path: '/v1/keys/{id}', summary: 'One key', scope: 'keys:read', data: apiKeyViewSchema },
  {
    method: 'patch',
    path: '/v1/keys/{id}',
    summary: 'Update a key',
    scope: 'keys:write',
    body: updateKeyBodySchema,
    data: apiKeyViewSchema,
  },
  {
    method: 'delete',
    path: '/v1/keys/{id}',
    summary: 'Revoke a key (returns once every gateway rejects it)',
    scope: 'keys:write',
    data: apiKeyViewSchema,
  },
  {
    method: 'post',
    path: '/v1/keys/{id}/rotate',
    summary: 'Rotate a key the caller covers (new secret returned once; never outliving the caller)',
    scope: 'keys:write',
    body: rotateKeyBodySchema,
    data: secretView(apiKeyViewSchema).extend({ previous: apiKeyViewSchema }),
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/audit',
    summary: 'Management audit log, newest first; filter by actor, action, target and time',
    scope: 'keys:read',
    query: listAuditQuerySchema,
    data: auditEntrySchema,
    list: true,
  },
  ...USAGE_ROUTES,
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    scope: 'none',
    data: z.object({ status: z.literal('ok'), instance_id: z.string() }),
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness (NATS, key-service, usage-service)',
    scope: 'none',
    data: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.boolean()) }),
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    scope: 'none',
    raw: 'text/plain; version=0.0.4',
  },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const errorSchema = {
  type: 'object',
  required: ['success', 'error'],
  properties: {
    success: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message', 'request_id'],
      properties: {
        code: { enum: ERROR_CODES },
        message: { type: 'string', examples: [DEFAULT_MESSAGES.unauthorized] },
        request_id: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

/** The OpenAPI 3.1 document served at GET /docs, built from ROUTES and the zod schemas. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      description: `Authorization: ${route.scope}`,
      responses: {},
    };
    if (route.scope !== 'none') operation.security = [{ bearer: [] }];
    const parameters: unknown[] = [];
    if (route.path.includes('{id}'))
      parameters.push({ name: 'id', in: 'path', required: true, schema: { type: 'string' } });
    if (route.query) {
      const query = jsonSchema(route.query, 'input') as { properties?: Record<string, unknown> };
      for (const [name, schema] of Object.entries(query.properties ?? {}))
        parameters.push({ name, in: 'query', schema });
    }
    if (parameters.length > 0) operation.parameters = parameters;
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    const responses = operation.responses as Record<string, unknown>;
    const status = String(route.status ?? 200);
    if (route.raw) {
      responses[status] = { description: route.raw };
    } else if (route.data) {
      const data = jsonSchema(route.data, 'output');
      const properties: Record<string, unknown> = {
        success: { const: true },
        data: route.list ? { type: 'array', items: data } : data,
      };
      if (route.list)
        properties.pagination = { type: 'object', properties: { next_cursor: { type: ['string', 'null'] } } };
      responses[status] = {
        description: 'OK',
        content: { 'application/json': { schema: { type: 'object', properties } } },
      };
    }
    if (route.scope !== 'none') {
      const success = responses[status] as { headers?: unknown } | undefined;
      if (success !== undefined) success.headers = RATE_LIMIT_HEADER_REFS;
      for (const code of ['401', '403', '503']) responses[code] = { $ref: '#/components/responses/Error' };
      responses['429'] = { $ref: '#/components/responses/RateLimited' };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'PlexMCP API',
      version,
      description:
        'Every response carries X-Request-Id. Authenticate with `Authorization: Bearer pk_live_…` or `pk_test_…`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'pk_live_… or pk_test_… API key' },
      },
      responses: {
        Error: {
          description: 'Error envelope',
          content: { 'application/json': { schema: errorSchema } },
        },
        RateLimited: {
          description:
            "Error envelope: `rate_limited` (the key's rate limit, or too many failed authentications from this IP) or `usage_limit_exceeded`",
          headers: {
            'Retry-After': { $ref: '#/components/headers/Retry-After' },
            ...RATE_LIMIT_HEADER_REFS,
          },
          content: { 'application/json': { schema: errorSchema } },
        },
      },
      headers: RATE_LIMIT_HEADERS,
    },
    paths,
  };
}

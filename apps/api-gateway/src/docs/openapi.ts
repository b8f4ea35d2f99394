import {
  DEFAULT_MESSAGES,
  ERROR_CODES,
  type Scope,
  apiKeyViewSchema,
  auditEntrySchema,
  listAuditQuerySchema,
  createKeyBodySchema,
  createMcpBodySchema,
  listKeysQuerySchema,
  mcpViewSchema,
  orgSettingsBodySchema,
  organizationViewSchema,
  paginationQuerySchema,
  rotateKeyBodySchema,
  updateKeyBodySchema,
  updateMcpBodySchema,
} from '@plexmcp/contracts';
import { z } from 'zod';
import { KEY_CONTROL_ROUTES } from './key-control-routes.js';
import { USAGE_ROUTES } from './usage-routes.js';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  scope: Scope | 'any valid key' | 'key with that MCP' | 'none' | 'owner (signed in)';
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
    summary:
      "The organization's keys, optionally those with a tag, a metadata pair (key:value) or one creator (`created_by`: a person or a key)",
    scope: 'keys:read',
    query: listKeysQuerySchema,
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
  {
    method: 'get',
    path: '/v1/organization',
    summary: "The caller's own organization",
    scope: 'any valid key',
    data: organizationViewSchema,
  },
  {
    method: 'patch',
    path: '/v1/organization',
    summary:
      'Change its name, monthly limit, IP allowlist or status (owners; the allowlist must admit the caller)',
    scope: 'owner (signed in)',
    body: orgSettingsBodySchema,
    data: organizationViewSchema,
  },
  ...USAGE_ROUTES,
  ...KEY_CONTROL_ROUTES,
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

/** Operations are grouped by the first path segment after `/v1` (or `operations` for the rest). */
const TAGS = [
  { name: 'me', description: 'The calling key' },
  { name: 'mcps', description: 'MCP servers and their Streamable HTTP endpoint' },
  { name: 'keys', description: 'API key lifecycle' },
  { name: 'audit', description: 'Management audit log' },
  { name: 'usage', description: 'Usage and latency' },
  { name: 'alerts', description: 'Anomaly alerts' },
  { name: 'webhooks', description: 'Alert webhooks' },
  { name: 'operations', description: 'Liveness, readiness and metrics' },
];

function tagOf(path: string): string {
  const [, first, second] = path.split('/');
  return first === 'v1' && second !== undefined && TAGS.some((t) => t.name === second)
    ? second
    : 'operations';
}

/** `GET /v1/keys/{id}/usage` → `getKeysByIdUsage`: unique per method and path. */
function operationIdOf(route: RouteDoc): string {
  const words = route.path
    .split('/')
    .filter((part) => part !== '' && part !== 'v1')
    .map((part) => (part.startsWith('{') ? 'by-id' : part))
    .flatMap((part) => part.split(/[-_]/));
  return route.method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

/**
 * The error answers an operation can give, each with the envelope: 400 (a body, query, path id or
 * Idempotency-Key to validate), 401/403/429/503 (every authenticated route), 404 (a target named
 * in the path, or a key-service lookup), 409 (every POST: Idempotency-Key conflicts; changes of
 * state), 413 (a body). Public routes: 503 on /readyz; the signed reports of secret scanners
 * 400, 401 (signature), 413 and 503.
 */
function errorResponses(route: RouteDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (route.scope === 'none') {
    if (route.body !== undefined) {
      // A public route that reads a body reads only a signed one (the secret-scanning reports).
      out['400'] = errorRef('ValidationError');
      out['401'] = errorRef('Unauthorized');
      out['413'] = errorRef('PayloadTooLarge');
    }
    if (route.path === '/readyz' || route.body !== undefined) out['503'] = errorRef('ServiceUnavailable');
    return out;
  }
  const hasBody = route.method === 'post' || route.method === 'patch';
  const hasId = route.path.includes('{id}');
  if (hasBody || hasId || route.query !== undefined) out['400'] = errorRef('ValidationError');
  out['401'] = errorRef('Unauthorized');
  out['403'] = errorRef('Forbidden');
  if (hasId) out['404'] = errorRef('NotFound');
  if (route.method !== 'get') out['409'] = errorRef('Conflict');
  if (hasBody) out['413'] = errorRef('PayloadTooLarge');
  out['429'] = errorRef('RateLimited');
  out['503'] = errorRef('ServiceUnavailable');
  return out;
}

/** POSTs that take an Idempotency-Key: all but the proxied MCP endpoint. */
const isIdempotent = (route: RouteDoc): boolean => route.method === 'post' && route.raw === undefined;

const IDEMPOTENCY_DESCRIPTION = [
  'A client-chosen key (1–255 visible ASCII characters; a UUID is the usual choice) that makes a POST safe to retry.',
  'The first request with a key runs and its answer (any status below 500) is stored, encrypted, for 24 hours, per organization.',
  'A retry with the same key and the same request from the same API key (method, path and JSON body) gets that answer again — same status and body — with `Idempotent-Replayed: true`, and runs nothing.',
  'The same key with a different request, or from another API key, is `409 conflict`; so is a retry while the first request is still running.',
  'A 5xx answer is not stored: the request may be retried with the same key. Other organizations’ keys are independent.',
].join(' ');

/** The OpenAPI 3.1 document served at GET /docs/openapi.json, built from ROUTES and the zod schemas. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operation: Record<string, unknown> = {
      operationId: operationIdOf(route),
      tags: [tagOf(route.path)],
      summary: route.summary,
      description: `Authorization: ${route.scope}`,
      security: route.scope === 'none' ? [] : [{ bearer: [] }],
      responses: {},
    };
    const parameters: unknown[] = [{ $ref: '#/components/parameters/RequestId' }];
    if (route.path.includes('{id}'))
      parameters.push({ name: 'id', in: 'path', required: true, schema: { type: 'string' } });
    if (isIdempotent(route)) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
    if (route.query) {
      const query = jsonSchema(route.query, 'input') as { properties?: Record<string, unknown> };
      for (const [name, schema] of Object.entries(query.properties ?? {}))
        parameters.push({ name, in: 'query', schema });
    }
    operation.parameters = parameters;
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    const responses = operation.responses as Record<string, unknown>;
    const status = String(route.status ?? 200);
    const headers: Record<string, unknown> = {
      'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
    };
    if (route.scope !== 'none') Object.assign(headers, RATE_LIMIT_HEADER_REFS);
    if (isIdempotent(route))
      headers['Idempotent-Replayed'] = { $ref: '#/components/headers/Idempotent-Replayed' };
    if (route.raw) {
      responses[status] = { description: route.raw, headers };
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
        headers,
        content: { 'application/json': { schema: { type: 'object', properties } } },
      };
    }
    Object.assign(responses, errorResponses(route));
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation;
  }
  const envelope = (description: string) => ({
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'PlexMCP API',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description: [
        'Every response carries X-Request-Id (yours when you send a well-formed one). Authenticate with `Authorization: Bearer pk_live_…` or `pk_test_…`.',
        'A method a path does not answer is `405 method_not_allowed` with `Allow`; `OPTIONS` answers 204 with `Allow` (and CORS for the origins in `CORS_ORIGINS`).',
        `POST routes take an \`Idempotency-Key\` header: ${IDEMPOTENCY_DESCRIPTION}`,
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    tags: TAGS,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'pk_live_… or pk_test_… API key' },
      },
      schemas: { Error: errorSchema },
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description:
            'Your id for this request (1–128 of `A-Z a-z 0-9 . _ ~ : + / = -`): echoed, logged and sent upstream. Otherwise the gateway makes one.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._~:+/=-]{1,128}$' },
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: IDEMPOTENCY_DESCRIPTION,
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        },
      },
      responses: {
        ValidationError: envelope(
          '`validation_error`: a bad body, query, path id or header; `error.details` lists the fields',
        ),
        Unauthorized: envelope('`unauthorized`: missing, malformed, unknown, revoked or expired key'),
        Forbidden: envelope(
          '`forbidden`: the key lacks the scope or the resource, or is a test key on live data',
        ),
        NotFound: envelope("`not_found`: no such resource in the caller's organization"),
        Conflict: envelope(
          '`conflict`: the change conflicts with the current state, or the Idempotency-Key was used for a different request or its first request is still running',
        ),
        PayloadTooLarge: envelope('`payload_too_large`: the body is over the configured limit'),
        ServiceUnavailable: envelope(
          '`service_unavailable`: a dependency (NATS, key-service) is unreachable',
        ),
        RateLimited: {
          description:
            "Error envelope: `rate_limited` (the key's rate limit, or too many failed authentications from this IP) or `usage_limit_exceeded`",
          headers: {
            'Retry-After': { $ref: '#/components/headers/Retry-After' },
            ...RATE_LIMIT_HEADER_REFS,
          },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      headers: {
        ...RATE_LIMIT_HEADERS,
        'X-Request-Id': {
          description: "This request's id (yours when well-formed); also `error.request_id`.",
          schema: { type: 'string' },
        },
        'Idempotent-Replayed': {
          description:
            '`true` when this answer is the stored answer of an earlier request with the same Idempotency-Key.',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    },
    paths,
  };
}

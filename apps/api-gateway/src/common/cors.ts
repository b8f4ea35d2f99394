import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** Request headers a browser may send cross-origin (besides the CORS-safelisted ones). */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'x-request-id',
  'traceparent',
  'tracestate',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
];
/** Response headers a cross-origin script may read. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'traceparent',
  'idempotent-replayed',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'mcp-session-id',
  'www-authenticate',
].join(', ');
const PREFLIGHT_MAX_AGE_S = '600';

/**
 * CORS per the `CORS_ORIGINS` allow-list (exact origins). An allowed `Origin` gets
 * `Access-Control-Allow-Origin: <that origin>` on every answer (401s included, so a browser can
 * read the error) and preflights that name a method of the path and only headers from
 * `ALLOWED_HEADERS`; any other origin gets no CORS header, so the browser refuses to share the
 * answer. Credentials (cookies) are never allowed cross-origin: callers send `Authorization`.
 * With no origin configured the gateway sends no CORS header at all.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
  }

  get enabled(): boolean {
    return this.origins.size > 0;
  }

  /** `onRequest`, before authentication: stamps the CORS headers an allowed origin gets on any answer. */
  readonly onRequest = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    reply.header('vary', 'Origin');
    const origin = this.allowedOrigin(request);
    if (origin !== null) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    done();
  };

  /** The preflight answer (headers only) for a path that answers `methods`. */
  preflight(request: FastifyRequest, reply: FastifyReply, methods: readonly string[]): void {
    if (this.allowedOrigin(request) === null) return;
    const method = request.headers['access-control-request-method'];
    if (typeof method !== 'string' || !methods.includes(method)) return;
    const asked = request.headers['access-control-request-headers'];
    const headers =
      typeof asked === 'string'
        ? asked
            .split(',')
            .map((h) => h.trim().toLowerCase())
            .filter((h) => h.length > 0)
        : [];
    if (!headers.every((h) => ALLOWED_HEADERS.includes(h))) return;
    reply.header('access-control-allow-methods', methods.join(', '));
    reply.header('access-control-allow-headers', ALLOWED_HEADERS.join(', '));
    reply.header('access-control-max-age', PREFLIGHT_MAX_AGE_S);
  }

  private allowedOrigin(request: FastifyRequest): string | null {
    const origin = request.headers.origin;
    return typeof origin === 'string' && this.origins.has(origin) ? origin : null;
  }
}

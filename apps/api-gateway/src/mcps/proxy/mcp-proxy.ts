import { Transform, type TransformCallback } from 'node:stream';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import {
  AppError,
  ErrorCode,
  IdPrefix,
  MCP_ENDPOINT_ROUTE,
  type McpRoute,
  idPattern,
} from '@plexmcp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { sendError, serializeError } from '../../common/envelope.js';
import { authorize } from '../../auth/authorize.js';
import { AUTHENTICATED } from '../../auth/route-access.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { UsageLimitsService } from '../../usage-limits/usage-limits.service.js';
import type { McpRouteCache } from '../mcp-route-cache.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './upstream-headers.js';
import type { UpstreamPools } from './upstream-pools.js';

export interface McpProxyDeps {
  routes: McpRouteCache;
  pools: UpstreamPools;
  usageLimits: UsageLimitsService;
  metrics: GatewayMetrics;
  logger: Logger;
  bodyLimitBytes: number;
}

export const MCP_PROXY_PATH = MCP_ENDPOINT_ROUTE;
const MCP_ID = idPattern(IdPrefix.Mcp);

class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
  }
}

/** Counts a body of unknown length (chunked) and fails it past the limit. */
class LimitedBody extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(new BodyTooLargeError());
    else callback(null, chunk);
  }
}

interface ProxyContext {
  request: FastifyRequest;
  reply: FastifyReply;
  startedAt: number;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * `POST|GET|DELETE /v1/mcps/{id}/mcp`: the MCP Streamable HTTP endpoint, proxied to the MCP's
 * upstream with undici `Pool.stream()` — the request body is streamed up, the response (JSON or
 * SSE) streamed down chunk by chunk, both with backpressure. The client's Authorization never goes
 * upstream; the MCP's configured headers do. Registered as an encapsulated Fastify plugin so the
 * body is left unparsed for streaming.
 */
export function registerMcpProxy(app: FastifyInstance, deps: McpProxyDeps): void {
  const { routes, pools, usageLimits, metrics, logger, bodyLimitBytes } = deps;
  const usageLimitDenials = metrics.tally(metrics.authDecisions, { outcome: 'deny', reason: 'usage_limit' });
  const latencyByClass = new Map<number, { observe(v: number): void }>();
  const observe = (status: number, seconds: number): void => {
    const cls = Math.floor(status / 100);
    let child = latencyByClass.get(cls);
    if (child === undefined) {
      child = metrics.upstreamLatency.labels(`${cls}xx`);
      latencyByClass.set(cls, child);
    }
    child.observe(seconds);
  };

  const factory = ({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<ProxyContext>) => {
    const { reply, startedAt } = opaque;
    observe(statusCode, (performance.now() - startedAt) / 1000);
    const res = reply.raw;
    res.writeHead(statusCode, downstreamResponseHeaders(headers, reply.getHeaders() as OutgoingHttpHeaders));
    // SSE: send the head now, events follow as the upstream writes them.
    if (
      typeof headers['content-type'] === 'string' &&
      headers['content-type'].startsWith('text/event-stream')
    ) {
      res.flushHeaders();
    }
    return res;
  };

  const done = (err: Error | null, data: Dispatcher.StreamData<ProxyContext>): void => {
    if (err === null) return;
    const { request, reply } = data.opaque;
    const res = reply.raw;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let error: AppError;
    if (err instanceof BodyTooLargeError) error = new AppError(ErrorCode.PayloadTooLarge);
    else if (TIMEOUT_CODES.has((err as { code?: string }).code ?? ''))
      error = new AppError(ErrorCode.UpstreamTimeout);
    else {
      // EBLOCKEDADDRESS: the upstream's address is outside MCP_UPSTREAM_ALLOWED_NETWORKS; nothing was sent.
      const blocked = (err as { code?: string }).code === 'EBLOCKEDADDRESS';
      logger.warn(
        { err: String(err), request_id: request.requestId, mcp_id: request.mcpId },
        blocked ? 'upstream address refused' : 'upstream request failed',
      );
      error = new AppError(ErrorCode.UpstreamError);
    }
    if (error.code !== ErrorCode.PayloadTooLarge)
      observe(error.status, (performance.now() - data.opaque.startedAt) / 1000);
    request.errorCode = error.code;
    const body = serializeError(error, request.requestId);
    res.writeHead(error.status, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const forward = (request: FastifyRequest, reply: FastifyReply, route: McpRoute): void => {
    const raw: IncomingMessage = request.raw;
    let body: IncomingMessage | LimitedBody | null = null;
    if (request.method === 'POST') {
      const length = raw.headers['content-length'];
      if (length !== undefined) {
        if (Number(length) > bodyLimitBytes) {
          sendError(reply, new AppError(ErrorCode.PayloadTooLarge), request.requestId);
          return;
        }
        body = raw;
      } else {
        body = raw.pipe(new LimitedBody(bodyLimitBytes));
      }
    }
    const target = pools.target(route.upstream_url);
    const path = request.url.includes('?')
      ? target.path +
        (target.path.includes('?') ? '&' : '?') +
        request.url.slice(request.url.indexOf('?') + 1)
      : target.path;
    reply.hijack();
    target.pool.stream<ProxyContext>(
      {
        path,
        method: request.method,
        headers: upstreamRequestHeaders(raw.headers, route.upstream_headers, request.requestId),
        body,
        opaque: { request, reply, startedAt: performance.now() },
      },
      factory,
      done,
    );
  };

  /** Answers a refusal with the MCP authorization challenge (RFC 6750) where it applies. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, err: unknown): void => {
    let error: AppError;
    if (err instanceof AppError) error = err;
    else {
      logger.error({ err, request_id: request.requestId, mcp_id: request.mcpId }, 'MCP proxy failed');
      error = new AppError(ErrorCode.InternalError);
    }
    if (error.code === ErrorCode.Forbidden)
      reply.header('www-authenticate', 'Bearer error="insufficient_scope"');
    else if (error.code === ErrorCode.Unauthorized) reply.header('www-authenticate', 'Bearer');
    sendError(reply, error, request.requestId);
  };

  /**
   * May this caller use this MCP now? Its key must be permitted the MCP (a test key only test
   * MCPs), and neither the key nor its organization may be over a usage limit — limits meter and
   * block MCP traffic only. Never throws: every refusal is an answer.
   */
  const authorizeAndForward = (
    request: FastifyRequest,
    reply: FastifyReply,
    route: McpRoute | null,
  ): void => {
    try {
      if (route === null) throw new AppError(ErrorCode.NotFound);
      const now = Date.now();
      const { policy } = authorize(request, { kind: 'mcp', mcp: route }, now);
      const overLimit = usageLimits.refusal(policy, now);
      if (overLimit !== null) {
        usageLimitDenials.inc();
        throw overLimit;
      }
      forward(request, reply, route);
    } catch (err) {
      refuse(request, reply, err);
    }
  };

  app.register((instance, _opts, next) => {
    // Leave bodies unread: they are streamed to the upstream as they arrive.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_req, _payload, parsed) => parsed(null));
    instance.route<{ Params: { id: string } }>({
      method: ['POST', 'GET', 'DELETE'],
      url: MCP_PROXY_PATH,
      config: { mcpProxy: true, access: AUTHENTICATED },
      handler: (request, reply) => {
        // The auth hook ran on this route; a request without a caller is refused, never served.
        if (request.auth === null) return refuse(request, reply, new AppError(ErrorCode.Unauthorized));
        const mcpId = request.params.id;
        if (!MCP_ID.test(mcpId)) return refuse(request, reply, new AppError(ErrorCode.NotFound));
        request.mcpId = mcpId;
        const resolved = routes.resolve(mcpId, Date.now());
        if (resolved instanceof Promise) {
          resolved.then(
            (route) => authorizeAndForward(request, reply, route),
            () => refuse(request, reply, new AppError(ErrorCode.ServiceUnavailable)),
          );
        } else {
          authorizeAndForward(request, reply, resolved);
        }
      },
    });
    next();
  });
}

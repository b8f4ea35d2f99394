import { Transform, type TransformCallback, Writable } from 'node:stream';
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
import { Tracing } from '@plexmcp/service-kit';
import { sendError, serializeError } from '../../common/envelope.js';
import { authorize, callerOf } from '../../auth/key-authority.js';
import { AUTHENTICATED } from '../../auth/route-access.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { UsageLimitsService } from '../../usage-limits/usage-limits.service.js';
import type { McpRouteCache } from '../mcp-route-cache.js';
import type { HeaderDeadlines } from './header-deadlines.js';
import type { McpSessionIds } from './mcp-session-ids.js';
import type { OpenStreams } from './open-streams.js';
import { ExchangeAbortedError, ProxyExchange } from './proxy-exchange.js';
import type { UpstreamAdmission } from './upstream-admission.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './upstream-headers.js';
import type { UpstreamPools } from './upstream-pools.js';

interface McpProxyDeps {
  routes: McpRouteCache;
  pools: UpstreamPools;
  usageLimits: UsageLimitsService;
  metrics: GatewayMetrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** UPSTREAM_TIMEOUT_MS: response headers due this long after the gateway received the request. */
  timeoutMs: number;
  /** Signs and checks the `Mcp-Session-Id`s handed to clients (sessions bound to their key). */
  sessionIds: McpSessionIds;
  /** Open exchanges, closed when their key, organization or MCP is evicted. */
  streams: OpenStreams;
  /** Per-organization and per-key shares of each upstream pool. */
  admission: UpstreamAdmission;
  deadlines: HeaderDeadlines;
  /** Whether the client reached the gateway over HTTPS (for `Forwarded: proto=`). */
  isHttps: (request: FastifyRequest) => boolean;
}

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

const UNKNOWN_SESSION = 'Unknown MCP session';

/** Swallows what an upstream still sends after the gateway already answered the client. */
const discard = (): Writable =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * `POST|GET|DELETE /v1/mcps/{id}/mcp`: the MCP Streamable HTTP endpoint, proxied to the MCP's
 * upstream with undici `Pool.stream()` — the request body is streamed up, the response (JSON or
 * SSE) streamed down chunk by chunk, both with backpressure. The client's Authorization never goes
 * upstream; the MCP's configured headers do. Registered as an encapsulated Fastify plugin so the
 * body is left unparsed for streaming.
 */
export function registerMcpProxy(app: FastifyInstance, deps: McpProxyDeps): void {
  const { routes, pools, usageLimits, metrics, logger, bodyLimitBytes, timeoutMs } = deps;
  const { sessionIds, streams, admission, deadlines, isHttps } = deps;
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

  /** Answers the client with an error envelope, unless it has its answer already (or is gone). */
  const answer = (exchange: ProxyExchange, error: AppError): void => {
    const { request, reply } = exchange;
    const res = reply.raw;
    exchange.settled = true;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    if (error.code !== ErrorCode.PayloadTooLarge)
      observe(error.status, (performance.now() - exchange.startedAt) / 1000);
    request.errorCode = error.code;
    request.errorCause = error.cause ?? null;
    const body = serializeError(error, request.requestId);
    res.writeHead(error.status, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const expire = (exchange: ProxyExchange): void => {
    if (exchange.settled) return;
    exchange.abortUpstream('deadline');
    answer(exchange, new AppError(ErrorCode.UpstreamTimeout));
  };

  const factory = ({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<ProxyExchange>) => {
    deadlines.delete(opaque);
    if (opaque.settled) return discard();
    const { reply, startedAt, keyId, mcpId } = opaque;
    observe(statusCode, (performance.now() - startedAt) / 1000);
    const res = reply.raw;
    res.writeHead(
      statusCode,
      downstreamResponseHeaders(headers, reply.getHeaders() as OutgoingHttpHeaders, (id) =>
        sessionIds.wrap(id, keyId, mcpId),
      ),
    );
    // SSE: send the head now, events follow as the upstream writes them.
    if (
      typeof headers['content-type'] === 'string' &&
      headers['content-type'].startsWith('text/event-stream')
    ) {
      res.flushHeaders();
    }
    return res;
  };

  const done = (err: Error | null, data: Dispatcher.StreamData<ProxyExchange>): void => {
    const exchange = data.opaque;
    deadlines.delete(exchange);
    if (err === null || exchange.settled) return;
    const { request } = exchange;
    let error: AppError;
    if (err instanceof BodyTooLargeError) error = new AppError(ErrorCode.PayloadTooLarge);
    else if (
      TIMEOUT_CODES.has((err as { code?: string }).code ?? '') ||
      (err instanceof ExchangeAbortedError && err.why === 'deadline')
    )
      error = new AppError(ErrorCode.UpstreamTimeout);
    else {
      // EBLOCKEDADDRESS: the upstream's address is outside MCP_UPSTREAM_ALLOWED_NETWORKS; nothing was sent.
      const blocked = (err as { code?: string }).code === 'EBLOCKEDADDRESS';
      if (!(err instanceof ExchangeAbortedError))
        logger.warn(
          { err: String(err), request_id: request.requestId, mcp_id: request.mcpId },
          blocked ? 'upstream address refused' : 'upstream request failed',
        );
      // The operator's remedy is named: the address itself is not (it is the upstream's).
      error = blocked
        ? new AppError(
            ErrorCode.UpstreamError,
            "The upstream's address is refused; allow its network with MCP_UPSTREAM_ALLOWED_NETWORKS",
          )
        : new AppError(ErrorCode.UpstreamError);
    }
    answer(exchange, error);
  };

  const forward = (request: FastifyRequest, reply: FastifyReply, route: McpRoute): void => {
    const raw: IncomingMessage = request.raw;
    const auth = request.auth!;
    const { org_id: orgId, key_id: keyId } = auth.policy;

    // A session id is only good for the key that opened it, on this MCP (see McpSessionIds).
    const presented = raw.headers['mcp-session-id'];
    let upstreamSessionId: string | undefined;
    if (presented !== undefined) {
      const unwrapped = typeof presented === 'string' ? sessionIds.unwrap(presented, keyId, route.id) : null;
      if (unwrapped === null) {
        sendError(reply, new AppError(ErrorCode.NotFound, UNKNOWN_SESSION), request.requestId);
        return;
      }
      upstreamSessionId = unwrapped;
    }

    const length = request.method === 'POST' ? raw.headers['content-length'] : undefined;
    if (length !== undefined && Number(length) > bodyLimitBytes) {
      sendError(reply, new AppError(ErrorCode.PayloadTooLarge), request.requestId);
      return;
    }

    const target = pools.target(route.upstream_url);
    const refused = admission.acquire(target.pool, orgId, keyId);
    if (refused !== null) {
      sendError(
        reply,
        new AppError(
          ErrorCode.RateLimited,
          refused === 'organization'
            ? 'Too many open upstream connections for this organization'
            : 'Too many open upstream connections for this API key',
          { headers: { 'retry-after': '1' } },
        ),
        request.requestId,
      );
      return;
    }

    const exchange = new ProxyExchange({
      request,
      reply,
      deadline: (request.receivedAt || Date.now()) + timeoutMs,
      keyHash: auth.keyHash,
      orgId,
      keyId,
      mcpId: route.id,
      pool: target.pool,
      onExpire: expire,
    });
    streams.add(exchange);
    deadlines.add(exchange);
    reply.raw.once('close', () => {
      admission.release(exchange.pool, orgId, keyId);
      streams.delete(exchange);
      deadlines.delete(exchange);
      // The client is gone (or answered): nothing upstream is still needed.
      exchange.abortUpstream('client_gone');
    });

    let body: IncomingMessage | LimitedBody | null = null;
    if (request.method === 'POST')
      body = length !== undefined ? raw : raw.pipe(new LimitedBody(bodyLimitBytes));
    const path = request.url.includes('?')
      ? target.path +
        (target.path.includes('?') ? '&' : '?') +
        request.url.slice(request.url.indexOf('?') + 1)
      : target.path;
    reply.hijack();
    target.pool.stream<ProxyExchange>(
      {
        path,
        method: request.method,
        headers: upstreamRequestHeaders(raw.headers, route.upstream_headers, {
          requestId: request.requestId,
          forwarded: {
            clientIp: request.clientIp,
            proto: isHttps(request) ? 'https' : 'http',
            host: raw.headers.host,
          },
          ...(upstreamSessionId === undefined ? {} : { sessionId: upstreamSessionId }),
          ...(request.traceSpan === null ? {} : { trace: Tracing.httpHeaders(request.traceSpan) }),
        }),
        body,
        opaque: exchange,
        signal: exchange,
      },
      factory,
      done,
    );
  };

  /** Answers a refusal (the key authority's carry the MCP authorization challenge, RFC 6750). */
  const refuse = (request: FastifyRequest, reply: FastifyReply, err: unknown): void => {
    let error: AppError;
    if (err instanceof AppError) error = err;
    else {
      logger.error({ err, request_id: request.requestId, mcp_id: request.mcpId }, 'MCP proxy failed');
      error = new AppError(ErrorCode.InternalError);
    }
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
      url: MCP_ENDPOINT_ROUTE,
      config: { mcpProxy: true, access: AUTHENTICATED },
      handler: (request, reply) => {
        // The auth hook ran on this route; a request without a caller is refused, never served.
        try {
          callerOf(request);
        } catch (err) {
          return refuse(request, reply, err);
        }
        const mcpId = request.params.id;
        if (!MCP_ID.test(mcpId)) return refuse(request, reply, new AppError(ErrorCode.NotFound));
        request.mcpId = mcpId;
        const resolved = routes.resolve(mcpId, Date.now());
        if (resolved instanceof Promise) {
          resolved.then(
            (route) => authorizeAndForward(request, reply, route),
            (err: unknown) =>
              refuse(request, reply, new AppError(ErrorCode.ServiceUnavailable, undefined, { cause: err })),
          );
        } else {
          authorizeAndForward(request, reply, resolved);
        }
      },
    });
    next();
  });
}

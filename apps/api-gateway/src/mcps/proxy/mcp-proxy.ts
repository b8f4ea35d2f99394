import { Transform, type TransformCallback, Writable } from 'node:stream';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeader,
  OutgoingHttpHeaders,
} from 'node:http';
import {
  AppError,
  ErrorCode,
  IdPrefix,
  MCP_ENDPOINT_ROUTE,
  type McpRoute,
  idPattern,
  permittedTools,
} from '@plexmcp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Tracing } from '@plexmcp/service-kit';
import { JSON_CONTENT_TYPE, sendError, serializeError } from '../../common/envelope.js';
import { authorize, callerOf } from '../../auth/key-authority.js';
import type { AnswerHeaders } from '../../common/security-headers.js';
import { AUTHENTICATED } from '../../auth/route-access.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { UsageLimitsService } from '../../usage-limits/usage-limits.service.js';
import type { McpRouteCache } from '../mcp-route-cache.js';
import type { HeaderDeadlines } from './header-deadlines.js';
import type { McpSessionIds } from './mcp-session-ids.js';
import type { OpenStreams } from './open-streams.js';
import { ExchangeAbortedError, ProxyExchange } from './proxy-exchange.js';
import {
  FilteredMessageTooLargeError,
  JsonToolListFilter,
  SseToolListFilter,
  TOOL_REFUSED_MESSAGE,
  TOOL_SNIFF_BYTES,
  checkToolCalls,
  sniffTool,
} from './tool-calls.js';
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
  /** The headers every answer carries: this route stamps its own (it `writesOwnHead`). */
  answerHeaders: AnswerHeaders;
}

const MCP_ID = idPattern(IdPrefix.Mcp);

class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
  }
}

/**
 * Streams a request body up, failing it past the limit (a chunked body has no length to check
 * first), and keeps its first bytes so the usage event can name the tool a `tools/call` calls.
 */
class LimitedBody extends Transform {
  private seen = 0;
  private readonly head: Buffer[] = [];
  constructor(
    private readonly limit: number,
    private readonly onTool: (tool: string | null) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.seen <= TOOL_SNIFF_BYTES) this.head.push(chunk);
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(new BodyTooLargeError());
    else callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.seen <= TOOL_SNIFF_BYTES) this.onTool(sniffTool(Buffer.concat(this.head)));
    callback();
  }
}

/** What reading a request body failed with, as the answer: 413 past the limit, else as it is. */
function bodyError(err: unknown): unknown {
  return err instanceof BodyTooLargeError ? new AppError(ErrorCode.PayloadTooLarge) : err;
}

/**
 * Reads a whole request body, up to `limit` bytes (the key's tool list must see all of it), and
 * calls `done` once: with the body, or with why not. A callback, not a promise: every proxied
 * POST is read this way, and the promise and its microtask cost more than the read itself.
 */
function readBody(raw: IncomingMessage, limit: number, done: (err: unknown, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (err: unknown, body?: Buffer): void => {
    if (settled) return;
    settled = true;
    done(err, body);
  };
  raw.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      raw.removeAllListeners('data');
      raw.resume();
      settle(new BodyTooLargeError());
    } else chunks.push(chunk);
  });
  // Nearly every JSON-RPC message arrives in one chunk: kept as it is, not copied. `on`, not
  // `once` (a wrapper and its state per listener): settle() answers only the first of them.
  raw.on('end', () => settle(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  raw.on('error', (err) => settle(err));
}

/** A `Content-Length` body no larger than the sniff window (Node holds the body to that length). */
function fitsSniffWindow(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return length !== undefined && Number(length) <= TOOL_SNIFF_BYTES;
}

const UNKNOWN_SESSION = 'Unknown MCP session';

/** Swallows what an upstream still sends after the gateway already answered the client. */
const discard = (): Writable =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

/** Sends an SSE response's head on its own when no event went out with it (see onResponse). */
function flushSilentHead(exchange: ProxyExchange): void {
  const res = exchange.reply.raw;
  if (!exchange.bodyStarted && !res.destroyed && !res.writableEnded) res.flushHeaders();
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * `POST|GET|DELETE /v1/mcps/{id}/mcp`: the MCP Streamable HTTP endpoint, proxied to the MCP's
 * upstream with undici `Pool.dispatch()`, the ProxyExchange its handler — a request body of
 * declared length up to 64 KiB is read whole and sent with its headers, a larger or chunked one
 * streamed up; the response (JSON or SSE) is streamed down chunk by chunk, both streams with
 * backpressure. The client's Authorization never goes upstream; the MCP's configured headers do.
 * Registered as an encapsulated Fastify plugin so the body is left unparsed for streaming.
 */
export function registerMcpProxy(app: FastifyInstance, deps: McpProxyDeps): void {
  const { routes, pools, usageLimits, metrics, logger, bodyLimitBytes, timeoutMs } = deps;
  const { sessionIds, streams, admission, deadlines, isHttps, answerHeaders } = deps;
  const usageLimitDenials = metrics.tally(metrics.authDecisions, { outcome: 'deny', reason: 'usage_limit' });
  const toolDenials = metrics.tally(metrics.authDecisions, { outcome: 'deny', reason: 'tool_not_permitted' });
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

  /**
   * A raw answer's head so far: the headers every answer carries, then the reply's others (`own`:
   * RateLimit-*, CORS, traceparent — few, and on most answers none).
   */
  const headOf = (exchange: ProxyExchange, own: OutgoingHttpHeaders): OutgoingHttpHeader[] => {
    const head = answerHeaders.head(exchange.request.requestId);
    for (const name in own) {
      const value = own[name];
      if (value !== undefined && !answerHeaders.names.has(name)) head.push(name, value);
    }
    return head;
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
    const head = headOf(exchange, reply.getHeaders() as OutgoingHttpHeaders);
    head.push('content-type', JSON_CONTENT_TYPE, 'content-length', Buffer.byteLength(body));
    res.writeHead(error.status, head);
    res.end(body);
  };

  const expire = (exchange: ProxyExchange): void => {
    if (exchange.settled) return;
    exchange.abortUpstream('deadline');
    answer(exchange, new AppError(ErrorCode.UpstreamTimeout));
  };

  /** The upstream's response head: where its body goes (the client, through a filter, or nowhere). */
  const onResponse = (
    exchange: ProxyExchange,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): Writable => {
    deadlines.delete(exchange);
    if (exchange.settled) return discard();
    const { reply, startedAt, keyId, mcpId } = exchange;
    observe(statusCode, (performance.now() - startedAt) / 1000);
    const res = reply.raw;
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : '';
    const sse = contentType.startsWith('text/event-stream');
    const tools = exchange.tools;
    let filter: Transform | null = null;
    if (tools !== null) {
      const encoding = headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') {
        // Asked for identity: a body the gateway cannot read is not passed to a key with a tool list.
        answer(exchange, new AppError(ErrorCode.UpstreamError));
        exchange.abortUpstream('client_gone');
        return discard();
      }
      if (sse) filter = new SseToolListFilter(tools);
      else if (contentType.includes('json')) filter = new JsonToolListFilter(tools);
    }
    // A filtered body is not the length the upstream said.
    if (filter !== null) delete headers['content-length'];
    const own = reply.getHeaders() as OutgoingHttpHeaders;
    const head = downstreamResponseHeaders(headers, headOf(exchange, own), answerHeaders.names, own, (id) =>
      sessionIds.wrap(id, keyId, mcpId),
    );
    res.writeHead(statusCode, head);
    if (filter === null) {
      // SSE: the head goes out with the first event when that came in the same read (one socket
      // write, not two), else alone once this tick ends: a client waiting for a late first event
      // sees its stream open at once.
      if (sse) process.nextTick(flushSilentHead, exchange);
      return res;
    }
    if (sse) res.flushHeaders();
    filter.on('error', (err) => {
      if (err instanceof FilteredMessageTooLargeError)
        logger.warn({ request_id: exchange.request.requestId, mcp_id: mcpId }, err.message);
      res.destroy();
    });
    filter.pipe(res);
    return filter;
  };

  /** The upstream request failed: the client gets the error's envelope, or is cut off mid-body. */
  const onFailure = (exchange: ProxyExchange, err: Error): void => {
    deadlines.delete(exchange);
    if (exchange.settled) return;
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

  /** The one authority on one tool: false for a tool outside the key's list, throws any other refusal. */
  const mayCall = (request: FastifyRequest, route: McpRoute, tool: string): boolean => {
    try {
      authorize(request, { kind: 'mcp.tool', mcp: route, tool });
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.Forbidden && err.message === TOOL_REFUSED_MESSAGE)
        return false;
      throw err;
    }
  };

  /**
   * Reads the request body whole, then `use`s it. Every failure is an answer: a body over the
   * limit, and anything `use` throws — it runs in the body's 'end' event, where a throw would be an
   * uncaught exception.
   */
  const withBody = (request: FastifyRequest, reply: FastifyReply, use: (body: Buffer) => void): void =>
    readBody(request.raw, bodyLimitBytes, (err, body) => {
      if (body === undefined) return refuse(request, reply, bodyError(err));
      try {
        use(body);
      } catch (failure) {
        refuse(request, reply, failure);
      }
    });

  /**
   * A key with a tool list for this MCP: its body is read whole and every `tools/call` in it
   * decided by the one authority; a refused call is answered here with a JSON-RPC error (HTTP 200,
   * as an MCP server answers), never forwarded, and counted as a denied request.
   */
  const forwardChecked = (
    request: FastifyRequest,
    reply: FastifyReply,
    route: McpRoute,
    tools: readonly string[],
  ): void => {
    const raw: IncomingMessage = request.raw;
    const length = raw.headers['content-length'];
    if (length !== undefined && Number(length) > bodyLimitBytes) {
      sendError(reply, new AppError(ErrorCode.PayloadTooLarge), request.requestId);
      return;
    }
    withBody(request, reply, (body) => {
      const encoding = raw.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') {
        throw new AppError(ErrorCode.ValidationError, 'MCP requests of this key may not be compressed');
      }
      const verdict = checkToolCalls(body, (tool) => mayCall(request, route, tool));
      request.toolName = verdict.tool;
      if (verdict.forward) {
        forward(request, reply, route, body, tools);
        return;
      }
      toolDenials.inc();
      request.errorCode = ErrorCode.Forbidden;
      if (verdict.body === null) void reply.code(202).send();
      else void reply.code(200).header('content-type', 'application/json').send(verdict.body);
    });
  };

  /**
   * A body of declared length within the sniff window (nearly every JSON-RPC message): read whole,
   * named for usage, and sent up as one buffer with its headers — no stream in between, and the
   * upstream gets it in one write. Larger or chunked bodies are streamed (see LimitedBody).
   */
  const forwardWhole = (request: FastifyRequest, reply: FastifyReply, route: McpRoute): void => {
    withBody(request, reply, (body) => {
      request.toolName = sniffTool(body);
      forward(request, reply, route, body, null);
    });
  };

  const forward = (
    request: FastifyRequest,
    reply: FastifyReply,
    route: McpRoute,
    checkedBody: Buffer | null = null,
    tools: readonly string[] | null = null,
  ): void => {
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

    const length =
      request.method === 'POST' && checkedBody === null ? raw.headers['content-length'] : undefined;
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
      tools,
      onExpire: expire,
      onResponse,
      onFailure,
    });
    streams.add(exchange);
    deadlines.add(exchange);
    // `on`, not `once`: a response closes once, and is not reused.
    reply.raw.on('close', () => {
      admission.release(exchange.pool, orgId, keyId);
      streams.delete(exchange);
      deadlines.delete(exchange);
      // The client is gone (or answered): nothing upstream is still needed.
      exchange.abortUpstream('client_gone');
    });

    let body: Buffer | LimitedBody | null = checkedBody;
    if (request.method === 'POST' && body === null)
      body = raw.pipe(
        new LimitedBody(bodyLimitBytes, (tool) => {
          request.toolName = tool;
        }),
      );
    const path = request.url.includes('?')
      ? target.path +
        (target.path.includes('?') ? '&' : '?') +
        request.url.slice(request.url.indexOf('?') + 1)
      : target.path;
    reply.hijack();
    target.pool.dispatch(
      {
        path,
        method: request.method,
        headers: upstreamRequestHeaders(raw.headers, route.upstream_headers, {
          identityEncoding: tools !== null,
          requestId: request.requestId,
          forwarded: {
            clientIp: request.clientIp,
            proto: isHttps(request) ? 'https' : 'http',
            host: raw.headers.host,
          },
          sessionId: upstreamSessionId,
          trace: request.traceSpan === null ? undefined : Tracing.httpHeaders(request.traceSpan),
        }),
        body,
      },
      exchange,
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
      const tools = permittedTools(policy.permissions, route.id);
      if (request.method !== 'POST') forward(request, reply, route, null, tools);
      else if (tools !== null) forwardChecked(request, reply, route, tools);
      else if (fitsSniffWindow(request.raw)) forwardWhole(request, reply, route);
      else forward(request, reply, route, null, null);
    } catch (err) {
      refuse(request, reply, err);
    }
  };

  app.register((instance, _opts, next) => {
    // Leave bodies unread: they are streamed to the upstream as they arrive.
    instance.removeAllContentTypeParsers();
    const leaveUnread = (_req: unknown, _payload: unknown, parsed: (err: null) => void): void => parsed(null);
    instance.addContentTypeParser('*', leaveUnread);
    // The same, named for the media type nearly every MCP request has: Fastify caches the parser
    // it found for a Content-Type only when one is registered under that type, so with the
    // catch-all alone it parsed `application/json` again on every request (~1 µs).
    instance.addContentTypeParser('application/json', leaveUnread);
    instance.route<{ Params: { id: string } }>({
      method: ['POST', 'GET', 'DELETE'],
      url: MCP_ENDPOINT_ROUTE,
      config: { mcpProxy: true, writesOwnHead: true, access: AUTHENTICATED },
      // Its answers Fastify sends (refusals, the auth hook's included): stamped here, just before.
      onSend: (request, reply, payload, done) => {
        answerHeaders.stamp(reply, request.requestId);
        done(null, payload);
      },
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

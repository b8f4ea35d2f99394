import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { writeLine } from '@plexmcp/service-kit';
import '../auth/request-context.js';
import { routeConfigOf } from '../auth/route-access.js';

const READINESS_ROUTE = '/readyz';
/** Probes and scrapes ask every few seconds; their successful answers are never access-logged. */
const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export interface ResponseLogOptions {
  /** ACCESS_LOG: every successful answer gets its line at info (else only at debug). */
  accessLog: boolean;
}

/**
 * `onResponse`: the one place every answer is logged, with the `request_id` the caller saw in the
 * envelope and `X-Request-Id`, so a reported id can be found in the logs. 4xx at info, 5xx at
 * error, a not-ready `/readyz` at warn (it reports a dependency's state, and probes ask often);
 * a successful answer at info with ACCESS_LOG (the default), else at debug; successful probes never. Only ids and the route template are logged: never headers, bodies or query
 * strings, so no key or credential can reach the line. A 5xx the gateway answered itself carries
 * the failure behind it as `err` (a NATS timeout behind a 503), scrubbed like every logged error.
 */
export function createResponseLogger(logger: Logger, options: ResponseLogOptions) {
  return function logResponse(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const status = reply.statusCode;
    if (status < 400) {
      const route = routeConfigOf(request).url ?? null;
      const level = options.accessLog && (route === null || !PROBE_ROUTES.has(route)) ? 'info' : 'debug';
      // One line per request: written by writeLine, which scrubs like every line at a third of the cost.
      if (logger.isLevelEnabled(level))
        writeLine(
          logger,
          level,
          {
            request_id: request.requestId || null,
            method: request.method,
            route,
            status,
            key_id: request.auth?.policy.key_id ?? null,
            mcp_id: request.mcpId,
            latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
          },
          'request answered',
        );
    } else {
      const route = routeConfigOf(request).url ?? null;
      const entry = {
        request_id: request.requestId || null,
        method: request.method,
        route,
        // An unmatched URL has no route template: its path (without the query) says what was asked.
        path: route === null ? request.url.split('?', 1)[0] : undefined,
        status,
        error_code: request.errorCode,
        key_id: request.auth?.policy.key_id ?? null,
        mcp_id: request.mcpId,
        latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
        err: status >= 500 && request.errorCause !== null ? request.errorCause : undefined,
      };
      if (status < 500) logger.info(entry, 'request answered with an error');
      else if (route === READINESS_ROUTE) logger.warn(entry, 'not ready');
      else logger.error(entry, 'request failed');
    }
    done();
  };
}

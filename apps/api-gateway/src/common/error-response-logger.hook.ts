import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import '../auth/request-context.js';

const READINESS_ROUTE = '/readyz';

/**
 * `onResponse`: the one place every answer with an error status is logged, with the `request_id`
 * the caller saw in the envelope and `X-Request-Id`, so a reported id can be found in the logs.
 * 4xx at info, 5xx at error, any other answer at debug; a not-ready `/readyz` at warn (it reports a dependency's state, and
 * probes ask often). Only ids and the route template are logged: never headers, bodies or query
 * strings, so no key or credential can reach the line. A 5xx the gateway answered itself carries
 * the failure behind it as `err` (a NATS timeout behind a 503), scrubbed like every logged error.
 */
export function createErrorResponseLogger(logger: Logger) {
  return function logErrorResponse(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const status = reply.statusCode;
    if (status < 400) {
      // At debug, every answer has its line too (with the request id a client sent or was given).
      if (logger.isLevelEnabled('debug'))
        logger.debug(
          {
            request_id: request.requestId || null,
            method: request.method,
            route: request.routeOptions.url ?? null,
            status,
            key_id: request.auth?.policy.key_id ?? null,
            latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
          },
          'request answered',
        );
    } else {
      const route = request.routeOptions.url ?? null;
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

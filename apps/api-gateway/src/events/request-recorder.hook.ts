import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { RequestEventPublisher } from './request-event.publisher.js';
import '../auth/request-context.js';

/**
 * `onResponse` (after the response is sent, so it never delays it): counts the request in the
 * metrics and counts each authenticated request in the publisher's usage tallies.
 */
export function createRequestRecorderHook(publisher: RequestEventPublisher, metrics: GatewayMetrics) {
  const observers = new Map<
    string,
    { count: { inc(): void }; duration: { observe(seconds: number): void } }
  >();

  return function recordRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const id = request.method + ' ' + route + ' ' + status;
    let observer = observers.get(id);
    if (observer === undefined) {
      observer = {
        count: metrics.tally(metrics.httpRequests, { route, method: request.method, status: String(status) }),
        duration: metrics.httpDuration.labels(route, request.method, `${Math.floor(status / 100)}xx`),
      };
      observers.set(id, observer);
    }
    observer.count.inc();
    observer.duration.observe(reply.elapsedTime / 1000);

    const auth = request.auth;
    if (auth !== null) {
      publisher.record(
        auth.policy,
        request.mcpId,
        route,
        status,
        Math.round(reply.elapsedTime * 1000) / 1000,
        request.clientIp,
        request.receivedAt,
        request.errorCode,
      );
    }
    done();
  };
}

import { USAGE_TOOL_MAX } from '@plexmcp/contracts';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { RequestEventPublisher } from './request-event.publisher.js';
import '../auth/request-context.js';
import { routeConfigOf } from '../auth/route-access.js';

/**
 * `onResponse` (after the response is sent, so it never delays it): counts the request in the
 * metrics and counts each request authenticated by a key in the publisher's usage tallies.
 */
interface Observer {
  count: { inc(): void };
  duration: { observe(seconds: number): void };
}

export function createRequestRecorderHook(publisher: RequestEventPublisher, metrics: GatewayMetrics) {
  /** route → method → status → its metric children: lookups without building a label string. */
  const observers = new Map<string, Map<string, Map<number, Observer>>>();
  const observerOf = (route: string, method: string, status: number): Observer => {
    let byMethod = observers.get(route);
    if (byMethod === undefined) observers.set(route, (byMethod = new Map<string, Map<number, Observer>>()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, Observer>()));
    let observer = byStatus.get(status);
    if (observer === undefined) {
      observer = {
        count: metrics.tally(metrics.httpRequests, { route, method, status: String(status) }),
        duration: metrics.httpDuration.labels(route, method, `${Math.floor(status / 100)}xx`),
      };
      byStatus.set(status, observer);
    }
    return observer;
  };

  return function recordRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const route = routeConfigOf(request).url ?? 'unmatched';
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime; // a clock read each time it is asked
    const observer = observerOf(route, request.method, status);
    observer.count.inc();
    observer.duration.observe(elapsedMs / 1000);

    const auth = request.auth;
    // Usage is per key: a person browsing the dashboard is not metered (nor billed).
    if (auth !== null && !auth.policy.user) {
      publisher.record(
        auth.policy,
        request.mcpId,
        route,
        status,
        Math.round(elapsedMs * 1000) / 1000,
        request.clientIp,
        request.receivedAt,
        request.errorCode,
        request.toolName === null ? null : request.toolName.slice(0, USAGE_TOOL_MAX),
      );
    }
    done();
  };
}

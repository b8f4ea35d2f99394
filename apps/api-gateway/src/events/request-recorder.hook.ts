import type { RequestRecordedEvent } from '@plexmcp/contracts';
import { IdPrefix } from '@plexmcp/contracts';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { SequentialIds } from '../common/request-id.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { RequestEventPublisher } from './request-event.publisher.js';
import '../auth/request-context.js';

const USER_AGENT_MAX = 512;

/**
 * `onResponse` (after the response is sent, so it never delays it): counts the request in the
 * metrics and hands one `request.recorded` event per request authenticated by a key to the publisher.
 */
export function createRequestRecorderHook(publisher: RequestEventPublisher, metrics: GatewayMetrics) {
  const eventIds = new SequentialIds(IdPrefix.Event);
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
    // Usage is per key: a person browsing the dashboard is not metered (nor billed).
    if (auth !== null && !auth.policy.user) {
      const policy = auth.policy;
      const userAgent = request.headers['user-agent'];
      const event: RequestRecordedEvent = {
        type: 'request.recorded',
        event_id: eventIds.next(),
        key_id: policy.key_id,
        org_id: policy.org_id,
        mcp_id: request.mcpId,
        mode: policy.mode,
        method: request.method,
        route,
        status,
        latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
        client_ip: request.clientIp,
        user_agent: userAgent === undefined ? null : userAgent.slice(0, USER_AGENT_MAX),
        occurred_at: new Date(request.receivedAt).toISOString(),
        usage_limit: policy.usage_limit,
        org_monthly_limit: policy.org_monthly_limit,
        expires_at: policy.expires_at,
        error_code: request.errorCode,
      };
      publisher.record(event);
    }
    done();
  };
}

import { z } from 'zod';
import { isoDateSchema, keyIdSchema, mcpIdSchema, modeSchema, orgIdSchema } from './common.schema.js';
import { usageLimitSchema } from './keys.schema.js';
import { ERROR_CODES } from './errors.js';
import { HISTOGRAM_BUCKETS } from './latency-histogram.js';

/**
 * Cache-invalidation events (core NATS fan-out on `keys.events.*`), a discriminated union on
 * `type`. A revoke is sent as a request to every gateway, which acknowledges after evicting.
 */
const keyRef = {
  key_id: keyIdSchema,
  key_hash: z.string(),
  org_id: orgIdSchema,
  version: z.number().int(),
};
export const keyEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('key.revoked'), ...keyRef }),
  z.object({ type: z.literal('key.updated'), ...keyRef }),
  z.object({ type: z.literal('key.rotated'), ...keyRef, new_key_id: keyIdSchema }),
  z.object({ type: z.literal('key.expired'), ...keyRef }),
  z.object({ type: z.literal('org.updated'), org_id: orgIdSchema, version: z.number().int() }),
  z.object({ type: z.literal('mcp.updated'), mcp_id: mcpIdSchema, org_id: orgIdSchema }),
  /** Sessions (by their token hashes) that no gateway may accept any more. */
  z.object({
    type: z.literal('sessions.revoked'),
    session_hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(10_000),
  }),
]);
export type KeyEvent = z.infer<typeof keyEventSchema>;

export const eventAckSchema = z.object({ instance_id: z.string(), evicted: z.boolean() });
export type EventAck = z.infer<typeof eventAckSchema>;

export const gatewayHeartbeatSchema = z.object({
  instance_id: z.string().min(1).max(100),
  /** How long the receiver should consider this instance alive without another heartbeat. */
  ttl_ms: z.number().int().min(100).max(60_000),
});
export type GatewayHeartbeat = z.infer<typeof gatewayHeartbeatSchema>;

/**
 * A key-service's answer to a heartbeat sent as a request: it counts `instance_id` as live (and
 * waits for its acknowledgements) until the heartbeat's TTL lapses. The gateway trusts its cached
 * decisions only while its heartbeats are answered.
 */
export const gatewayHeartbeatAckSchema = z.object({ instance_id: z.string() });
export type GatewayHeartbeatAck = z.infer<typeof gatewayHeartbeatAckSchema>;

/** Longest tool name usage carries; the gateway cuts a longer one a `tools/call` named. */
export const USAGE_TOOL_MAX = 128;

/**
 * One per authenticated gateway request. Published to JetStream inside a `request.batch` message
 * (older gateways published each event alone with `event_id` as msgID).
 */
export const requestRecordedEventSchema = z.object({
  type: z.literal('request.recorded'),
  event_id: z.string().min(1).max(64),
  key_id: keyIdSchema,
  org_id: orgIdSchema,
  mcp_id: mcpIdSchema.nullable(),
  mode: modeSchema,
  method: z.string().max(16),
  route: z.string().max(200),
  status: z.number().int().min(100).max(599),
  latency_ms: z.number().min(0),
  client_ip: z.string().max(64).nullable(),
  user_agent: z.string().max(512).nullable(),
  occurred_at: isoDateSchema,
  /**
   * Filled by the gateway from the key policy it already caches, so the usage-service can enforce
   * limits and warn about expiry without calling the key-service. Optional: older publishers omit
   * them (then no key limit, no org limit and no expiry warning apply to that event).
   */
  usage_limit: usageLimitSchema.nullable().optional(),
  org_monthly_limit: z.number().int().min(1).nullable().optional(),
  expires_at: isoDateSchema.nullable().optional(),
  /**
   * The error code when the gateway itself refused the request (e.g. `usage_limit_exceeded`,
   * `rate_limited`); null or absent when it was served. Requests the gateway throttled are tracked
   * but neither billed nor counted toward usage limits.
   */
  error_code: z.enum(ERROR_CODES).nullable().optional(),
  /**
   * The tool a `tools/call` to the MCP endpoint named (`''` when it named none); absent for other
   * requests, or when the gateway did not read the body (a large body of a key without a tool list).
   * A call refused by the key's tool list carries `error_code: "forbidden"`.
   */
  tool: z.string().max(USAGE_TOOL_MAX).optional(),
});
export type RequestRecordedEvent = z.infer<typeof requestRecordedEventSchema>;

/**
 * The gateway route of MCP traffic (`POST|GET|DELETE /v1/mcps/{id}/mcp`), as events name it. It is
 * what is billed and what usage limits meter and block; management and read routes never are.
 */
export const MCP_ENDPOINT_ROUTE = '/v1/mcps/:id/mcp';

/** A request to an MCP through the gateway (billable when live and not throttled). */
export function isMcpTraffic(event: Pick<RequestRecordedEvent, 'route'>): boolean {
  return event.route === MCP_ENDPOINT_ROUTE;
}

/** Most events one batch message may carry (the gateway sends at most a few hundred). */
export const REQUEST_BATCH_MAX_EVENTS = 1_000;

/**
 * Many `request.recorded` events in ONE JetStream message, published by the gateway with
 * `batch_id` as msgID (so a batch re-published after a lost acknowledgement is de-duplicated by
 * the stream). The usage-service still de-duplicates each event on `event_id`.
 */
export const requestBatchSchema = z.object({
  type: z.literal('request.batch'),
  batch_id: z.string().min(1).max(64),
  events: z.array(requestRecordedEventSchema).min(1).max(REQUEST_BATCH_MAX_EVENTS),
});
export type RequestBatch = z.infer<typeof requestBatchSchema>;

const MINUTE_MS = 60_000;
const statusCount = z.number().int().min(0);

/**
 * The requests of one key in one minute that share every attribute the usage-service counts by
 * (MCP, route, client address, gateway error code, called tool), folded by the gateway: their number, status
 * classes, latency sum and histogram (layout in latency-histogram.ts), first and last request
 * time. The limit and expiry settings are those of the newest request. This is what the gateway
 * publishes instead of one event per request; nothing the usage-service stores or alerts on needs
 * more detail.
 */
export const requestTallySchema = requestRecordedEventSchema
  .pick({
    key_id: true,
    org_id: true,
    mcp_id: true,
    mode: true,
    route: true,
    client_ip: true,
    usage_limit: true,
    org_monthly_limit: true,
    expires_at: true,
    error_code: true,
    tool: true,
  })
  .extend({
    first_at: isoDateSchema,
    last_at: isoDateSchema,
    requests: z.number().int().min(1),
    s2xx: statusCount,
    s3xx: statusCount,
    s4xx: statusCount,
    s5xx: statusCount,
    latency_ms_sum: z.number().min(0),
    latency_histogram: z.array(statusCount).length(HISTOGRAM_BUCKETS),
  })
  .refine(
    (t) => {
      const first = Date.parse(t.first_at);
      const last = Date.parse(t.last_at);
      return first <= last && Math.floor(first / MINUTE_MS) === Math.floor(last / MINUTE_MS);
    },
    { message: 'first_at and last_at must lie in one minute, in order' },
  )
  .refine((t) => t.s2xx + t.s3xx + t.s4xx + t.s5xx <= t.requests, {
    message: 'status classes exceed requests',
  })
  .refine((t) => t.latency_histogram.reduce((a, b) => a + b, 0) === t.requests, {
    message: 'latency_histogram must count every request',
  });
export type RequestTally = z.infer<typeof requestTallySchema>;

/**
 * The gateway's usage report: the tallies of one reporting interval (USAGE_REPORT_INTERVAL_MS) in
 * ONE JetStream message with `batch_id` as msgID. The usage-service counts a batch id once, so a
 * report re-published after a lost acknowledgement (or redelivered) is never counted twice.
 */
export const requestTallyBatchSchema = z.object({
  type: z.literal('request.tally'),
  batch_id: z.string().min(1).max(64),
  tallies: z.array(requestTallySchema).min(1).max(REQUEST_BATCH_MAX_EVENTS),
});
export type RequestTallyBatch = z.infer<typeof requestTallyBatchSchema>;

/**
 * What a message on `usage.requests.recorded` may hold: a gateway's tally report, or (older
 * gateways, tools) one event or a batch of events. All share the subject so the usage-service's
 * single consumer filter keeps working.
 */
export const requestMessageSchema = z.discriminatedUnion('type', [
  requestRecordedEventSchema,
  requestBatchSchema,
  requestTallyBatchSchema,
]);

/** Usage-limit blocks announced by the usage-service; every gateway enforces them. */
export const limitBlockSchema = z.object({
  scope: z.enum(['org', 'key']),
  org_id: orgIdSchema,
  key_id: keyIdSchema.nullable(),
  reset_at: isoDateSchema,
  /**
   * The limit that was reached, and its period. A gateway applies the block only while the key's
   * current policy has a limit at least as strict, so raising or removing a limit lifts it at
   * once. Optional: older usage-services omit them (the block then applies until `reset_at`).
   */
  period: z.enum(['day', 'month']).optional(),
  limit: z.number().int().min(1).optional(),
});
export type LimitBlock = z.infer<typeof limitBlockSchema>;
export const usageEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('usage.limit_reached'), block: limitBlockSchema }),
  z.object({ type: z.literal('usage.limit_cleared'), block: limitBlockSchema }),
]);
export type UsageEvent = z.infer<typeof usageEventSchema>;
export const limitBlocksReplySchema = z.object({ blocks: z.array(limitBlockSchema) });

export const healthReplySchema = z.object({
  service: z.string(),
  status: z.enum(['ok', 'degraded']),
  instance_id: z.string(),
  checks: z.record(z.string(), z.boolean()),
});
export type HealthReply = z.infer<typeof healthReplySchema>;

export { isoDateSchema };

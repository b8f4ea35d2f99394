import { z } from 'zod';
import { actorSchema, isoDateSchema, keyIdSchema, mcpIdSchema, noNul } from './common.schema.js';

export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export const BREAKDOWNS = ['mcp', 'status_class', 'country', 'tool'] as const;

/** Query string of GET /v1/usage and GET /v1/keys/{id}/usage. */
export const usageQuerySchema = z.strictObject({
  from: isoDateSchema.optional(),
  to: isoDateSchema.optional(),
  granularity: z.enum(GRANULARITIES).default('hour'),
  /** Comma-separated list, e.g. `mcp,country`. */
  breakdown: z
    .string()
    .max(100)
    .check(noNul)
    .optional()
    .transform((s, ctx) => {
      if (!s) return [] as (typeof BREAKDOWNS)[number][];
      const parts = s.split(',').map((p) => p.trim());
      const bad = parts.filter((p) => !(BREAKDOWNS as readonly string[]).includes(p));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown breakdown: ${bad.join(', ')}` });
        return z.NEVER;
      }
      return parts as (typeof BREAKDOWNS)[number][];
    }),
  mcp_id: mcpIdSchema.optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

export const usageRequestSchema = z.strictObject({
  actor: actorSchema,
  key_id: keyIdSchema.nullable(),
  from: isoDateSchema,
  to: isoDateSchema,
  granularity: z.enum(GRANULARITIES),
  breakdown: z.array(z.enum(BREAKDOWNS)),
  mcp_id: mcpIdSchema.nullable(),
});
export type UsageRequest = z.infer<typeof usageRequestSchema>;

const statusClassCounts = z.object({
  '2xx': z.number(),
  '3xx': z.number(),
  '4xx': z.number(),
  '5xx': z.number(),
});

export const usageReplySchema = z.object({
  from: isoDateSchema,
  to: isoDateSchema,
  granularity: z.enum(GRANULARITIES),
  key_id: keyIdSchema.nullable(),
  /** Every authenticated request, management and test traffic included. */
  total_requests: z.number().int(),
  /** Live-key calls of the MCP endpoint the gateway did not throttle: what is billed and limited. */
  billable_requests: z.number().int(),
  errors: z.object({ '4xx': z.number().int(), '5xx': z.number().int() }),
  latency_ms: z.object({
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
  }),
  series: z.array(
    z.object({
      start: isoDateSchema,
      requests: z.number().int(),
      billable_requests: z.number().int(),
      errors: z.number().int(),
    }),
  ),
  by_mcp: z.array(z.object({ mcp_id: z.string().nullable(), requests: z.number().int() })).optional(),
  by_status_class: statusClassCounts.optional(),
  by_country: z.array(z.object({ country: z.string().nullable(), requests: z.number().int() })).optional(),
  /**
   * Calls per MCP tool (`tools/call` requests naming one; `tool: ""` when it named none):
   * `denied` were refused by the key's tool list, `errors` answered 4xx/5xx. Most called first,
   * at most 1000 entries.
   */
  by_tool: z
    .array(
      z.object({
        mcp_id: z.string(),
        tool: z.string(),
        requests: z.number().int(),
        denied: z.number().int(),
        errors: z.number().int(),
      }),
    )
    .optional(),
});
export type UsageReply = z.infer<typeof usageReplySchema>;

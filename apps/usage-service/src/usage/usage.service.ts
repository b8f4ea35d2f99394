import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode, type UsageReply, type UsageRequest } from '@plexmcp/contracts';
import { TransactionRunner } from '@plexmcp/service-kit';
import { quantile } from './latency-histogram.js';
import { bucketSizeMs, bucketStart } from './time-buckets.js';
import { UsageRepository } from './usage.repository.js';
import { ToolUsageRepository } from './tool-usage.repository.js';

/** Longest series one answer may hold (e.g. 7 days by minute is 10,080 buckets). */
export const MAX_SERIES_BUCKETS = 10_080;

@Injectable()
export class UsageService {
  constructor(
    private readonly repository: UsageRepository,
    private readonly tools: ToolUsageRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Usage of the actor's organization (or one of its keys) over [from, to): buckets start at
   * `from` truncated to the granularity. Another organization's key simply has no usage here.
   */
  async query(request: UsageRequest): Promise<UsageReply> {
    const { granularity } = request;
    const fromMs = bucketStart(Date.parse(request.from), granularity);
    const toMs = Date.parse(request.to);
    if (toMs <= fromMs) {
      throw new AppError(ErrorCode.ValidationError, 'Request validation failed', {
        details: [{ field: 'to', message: 'must be after from' }],
      });
    }
    const size = bucketSizeMs(granularity);
    const bucketCount = Math.ceil((toMs - fromMs) / size);
    if (bucketCount > MAX_SERIES_BUCKETS) {
      throw new AppError(ErrorCode.ValidationError, 'Request validation failed', {
        details: [
          {
            field: 'granularity',
            message: `range too long: at most ${MAX_SERIES_BUCKETS} ${granularity} buckets`,
          },
        ],
      });
    }
    const filter = {
      orgId: request.actor.org_id,
      keyId: request.key_id,
      mcpId: request.mcp_id,
      from: new Date(fromMs),
      // Whole buckets: the last one ends at the first boundary at or after `to`.
      to: new Date(fromMs + bucketCount * size),
      granularity,
    };
    const wants = new Set(request.breakdown);
    // One snapshot for every part of the answer: queried side by side on separate connections,
    // an ingest committing in between gave totals with the batch and breakdowns without it.
    const { rows, hist, byMcp, byCountry, byTool } = await this.transactions.snapshot(async (sql) => ({
      rows: await this.repository.series(filter, sql),
      hist: await this.repository.latencyHistogram(filter, sql),
      byMcp: wants.has('mcp') ? await this.repository.breakdown(filter, 'mcp_id', sql) : null,
      byCountry: wants.has('country') ? await this.repository.breakdown(filter, 'country', sql) : null,
      byTool: wants.has('tool') ? await this.tools.breakdown(filter, sql) : null,
    }));

    const byBucket = new Map(rows.map((r) => [r.bucket.getTime(), r]));
    const series: UsageReply['series'] = [];
    for (let start = fromMs; start < toMs; start += size) {
      const row = byBucket.get(start);
      series.push({
        start: new Date(start).toISOString(),
        requests: row?.requests ?? 0,
        billable_requests: row?.billable ?? 0,
        errors: row ? row.s4xx + row.s5xx : 0,
      });
    }
    const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + pick(r), 0);
    const reply: UsageReply = {
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      granularity,
      key_id: request.key_id,
      total_requests: sum((r) => r.requests),
      billable_requests: sum((r) => r.billable),
      errors: { '4xx': sum((r) => r.s4xx), '5xx': sum((r) => r.s5xx) },
      latency_ms: { p50: quantile(hist, 0.5), p95: quantile(hist, 0.95), p99: quantile(hist, 0.99) },
      series,
    };
    if (byMcp) reply.by_mcp = byMcp.map((r) => ({ mcp_id: r.value || null, requests: r.requests }));
    if (byCountry)
      reply.by_country = byCountry.map((r) => ({ country: r.value || null, requests: r.requests }));
    if (byTool) reply.by_tool = byTool;
    if (wants.has('status_class')) {
      reply.by_status_class = {
        '2xx': sum((r) => r.s2xx),
        '3xx': sum((r) => r.s3xx),
        '4xx': sum((r) => r.s4xx),
        '5xx': sum((r) => r.s5xx),
      };
    }
    return reply;
  }
}

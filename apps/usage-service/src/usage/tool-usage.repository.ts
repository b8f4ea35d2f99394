import { Injectable } from '@nestjs/common';
import { type RequestTally, ErrorCode } from '@plexmcp/contracts';
import { type SqlExecutor, Tables } from '@plexmcp/service-kit';
import { bucketStart } from './time-buckets.js';
import { usageWhere } from './usage.repository.js';

export interface ToolUsageRow {
  orgId: string;
  bucket: number;
  keyId: string;
  mcpId: string;
  tool: string;
  requests: number;
  denied: number;
  errors: number;
}

export interface ToolUsageFilter {
  orgId: string;
  keyId: string | null;
  mcpId: string | null;
  from: Date;
  to: Date;
}

/**
 * Folds the tallies that name a tool into one row per (minute, key, MCP, tool), sorted by primary
 * key so concurrent batches lock rows in one order. A tally's requests share its tool and gateway
 * error code, so the counts stay exact: calls refused by the key's tool list are `denied` (the
 * gateway answered them with `forbidden`, never sending them upstream), 4xx and 5xx are `errors`.
 */
export function aggregateTools(
  tallies: readonly { event: RequestTally; occurredAt: number }[],
): ToolUsageRow[] {
  const rows = new Map<string, ToolUsageRow>();
  for (const { event, occurredAt } of tallies) {
    if (event.tool === undefined || event.mcp_id === null) continue;
    const bucket = bucketStart(occurredAt, 'minute');
    const id = `${event.org_id}|${bucket}|${event.key_id}|${event.mcp_id}|${event.tool}`;
    let row = rows.get(id);
    if (row === undefined) {
      row = {
        orgId: event.org_id,
        bucket,
        keyId: event.key_id,
        mcpId: event.mcp_id,
        tool: event.tool,
        requests: 0,
        denied: 0,
        errors: 0,
      };
      rows.set(id, row);
    }
    row.requests += event.requests;
    if (event.error_code === ErrorCode.Forbidden) row.denied += event.requests;
    row.errors += event.s4xx + event.s5xx;
  }
  return [...rows.keys()].sort().map((id) => rows.get(id)!);
}

/** The per-tool usage table: the only code that writes or reads it. */
@Injectable()
export class ToolUsageRepository {
  private readonly table: string;

  constructor(private readonly tables: Tables) {
    this.table = `"${tables.schema}".usage_tool_minute`;
  }

  async upsert(sql: SqlExecutor, rows: ToolUsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    await sql.query(
      `INSERT INTO ${this.table} AS t (org_id, bucket, key_id, mcp_id, tool, requests, denied, errors)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                            $6::bigint[], $7::bigint[], $8::bigint[])
       ON CONFLICT (org_id, bucket, key_id, mcp_id, tool) DO UPDATE SET
         requests = t.requests + excluded.requests, denied = t.denied + excluded.denied,
         errors = t.errors + excluded.errors`,
      [
        rows.map((r) => r.orgId),
        rows.map((r) => new Date(r.bucket).toISOString()),
        rows.map((r) => r.keyId),
        rows.map((r) => r.mcpId),
        rows.map((r) => r.tool),
        rows.map((r) => r.requests),
        rows.map((r) => r.denied),
        rows.map((r) => r.errors),
      ],
    );
  }

  /** Calls per MCP tool over [from, to), most called first. */
  async breakdown(
    filter: ToolUsageFilter,
    sql: SqlExecutor = this.tables.manager,
  ): Promise<{ mcp_id: string; tool: string; requests: number; denied: number; errors: number }[]> {
    const { clause, params } = usageWhere(filter);
    const rows = await sql.query<Record<string, string>[]>(
      `SELECT mcp_id, tool, sum(requests) AS requests, sum(denied) AS denied, sum(errors) AS errors
       FROM ${this.table} WHERE ${clause}
       GROUP BY mcp_id, tool ORDER BY sum(requests) DESC, mcp_id, tool LIMIT 1000`,
      params,
    );
    return rows.map((r) => ({
      mcp_id: r.mcp_id!,
      tool: r.tool!,
      requests: Number(r.requests),
      denied: Number(r.denied),
      errors: Number(r.errors),
    }));
  }

  /** Deletes rows older than `before`. */
  async prune(before: Date): Promise<void> {
    await this.tables.manager.query(`DELETE FROM ${this.table} WHERE bucket < $1`, [before.toISOString()]);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@plexmcp/service-kit';

/**
 * Usage per MCP tool: one row per (org, minute, key, MCP, tool) of the `tools/call` requests the
 * gateway named a tool for, beside the aggregates (which keep their own key) so the breakdown by
 * tool costs nothing to requests that call no tool.
 */
export class UsageByTool1765300000000 implements MigrationInterface {
  name = 'UsageByTool1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${table(q, 'usage_tool_minute')} (
      org_id text COLLATE "C" NOT NULL,
      bucket timestamptz NOT NULL,
      key_id text COLLATE "C" NOT NULL,
      mcp_id text COLLATE "C" NOT NULL,
      tool text COLLATE "C" NOT NULL,
      requests bigint NOT NULL,
      denied bigint NOT NULL,
      errors bigint NOT NULL,
      PRIMARY KEY (org_id, bucket, key_id, mcp_id, tool)
    )`);
    await q.query(
      `CREATE INDEX usage_tool_minute_key_bucket ON ${table(q, 'usage_tool_minute')} (key_id, bucket)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${table(q, 'usage_tool_minute')}`);
  }
}

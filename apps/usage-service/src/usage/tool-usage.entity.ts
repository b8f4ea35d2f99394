import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { UsageKeyColumns } from './usage-aggregate.entity.js';

/**
 * Usage of one MCP tool per (org, minute, key, MCP, tool): calls, calls the key's tool list
 * refused (`denied`), and calls answered with a 4xx/5xx. Property names are the column names.
 */
@Entity({ name: 'usage_tool_minute' })
@Index('usage_tool_minute_key_bucket', { synchronize: false })
export class ToolUsageMinuteEntity extends UsageKeyColumns {
  /** '' = a `tools/call` that named no tool. */
  @PrimaryColumn({ type: 'text', collation: 'C' })
  tool!: string;

  @Column({ type: 'bigint' })
  requests!: string;

  @Column({ type: 'bigint' })
  denied!: string;

  @Column({ type: 'bigint' })
  errors!: string;
}

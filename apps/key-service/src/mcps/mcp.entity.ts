import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/column-transformers.js';

export type McpMode = 'live' | 'test';

@Entity({ name: 'mcps' })
export class McpEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  mode!: McpMode;

  @Column({ name: 'upstream_url', type: 'text' })
  upstreamUrl!: string;

  /**
   * Secret: header name → value encrypted at rest (`McpHeadersCipher`; names stay in clear for the
   * views). Decrypted only for gateways (mcps.resolve), never shown in views or logs.
   */
  @Column({ name: 'upstream_headers', type: 'jsonb' })
  upstreamHeaders!: Record<string, string>;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

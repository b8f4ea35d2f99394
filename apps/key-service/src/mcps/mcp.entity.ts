import { Column, Entity } from 'typeorm';
import { OrgOwnedRow } from '../database/base.entity.js';

export type McpMode = 'live' | 'test';

@Entity({ name: 'mcps' })
export class McpEntity extends OrgOwnedRow {
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
}

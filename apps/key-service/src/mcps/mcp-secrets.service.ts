import { Injectable } from '@nestjs/common';
import type { ReencryptSecretsReply } from '@plexmcp/contracts';
import {
  type ResealCount,
  type ResealScope,
  Tables,
  TransactionRunner,
  reencryptUnderMigrationLock,
  resealRows,
} from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import { McpHeadersCipher } from './mcp-headers-cipher.js';
import { McpsRepository } from './mcps.repository.js';

/**
 * Rewrites every MCP's stored header values that are not as they should be (`'plaintext'`: still
 * in clear; `'all'`: also under an older key), in the caller's transaction with the rows locked.
 */
export async function resealMcpHeaders(
  manager: EntityManager,
  repository: McpsRepository,
  cipher: McpHeadersCipher,
  scope: ResealScope,
): Promise<ResealCount> {
  return resealRows(await repository.lockHeaders(manager, scope === 'plaintext'), async (row) => {
    const { headers, changed } = cipher.reseal(row.id, row.upstreamHeaders, scope);
    if (changed) await repository.storeHeaders(manager, row.id, headers);
    return changed;
  });
}

/** `plexmcp secrets reencrypt` for the key-service: MCP upstream headers under the first key. */
@Injectable()
export class McpSecretsService {
  constructor(
    private readonly mcps: McpsRepository,
    private readonly cipher: McpHeadersCipher,
    private readonly tables: Tables,
    private readonly transactions: TransactionRunner,
  ) {}

  reencrypt(): Promise<ReencryptSecretsReply> {
    const what = {
      service: 'key-service',
      store: 'mcps.upstream_headers',
      key_id: this.cipher.keyId,
    } as const;
    return reencryptUnderMigrationLock(what, this.transactions, this.tables.schema, (manager) =>
      resealMcpHeaders(manager, this.mcps, this.cipher, 'all'),
    );
  }
}

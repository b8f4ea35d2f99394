import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode, type ReencryptSecretsReply } from '@plexmcp/contracts';
import { DecryptionError } from '@plexmcp/service-kit';
import type { EntityManager } from 'typeorm';
import { lockMigrations } from '../database/migration-lock.js';
import { TransactionRunner } from '../database/transaction-runner.js';
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
  scope: 'plaintext' | 'all',
): Promise<{ rows: number; reencrypted: number }> {
  const rows = await repository.lockHeaders(manager, scope === 'plaintext');
  let reencrypted = 0;
  for (const row of rows) {
    const { headers, changed } = cipher.reseal(row.id, row.upstreamHeaders, scope);
    if (!changed) continue;
    await repository.storeHeaders(manager, row.id, headers);
    reencrypted += 1;
  }
  return { rows: rows.length, reencrypted };
}

/** `plexmcp secrets reencrypt` for the key-service: MCP upstream headers under the first key. */
@Injectable()
export class McpSecretsService {
  constructor(
    private readonly mcps: McpsRepository,
    private readonly cipher: McpHeadersCipher,
    private readonly tx: TransactionRunner,
  ) {}

  async reencrypt(): Promise<ReencryptSecretsReply> {
    try {
      const { rows, reencrypted } = await this.tx.run(async (manager) => {
        // Not while a starting instance migrates or encrypts plaintext rows.
        await lockMigrations(manager);
        return resealMcpHeaders(manager, this.mcps, this.cipher, 'all');
      });
      return {
        service: 'key-service',
        store: 'mcps.upstream_headers',
        key_id: this.cipher.keyId,
        rows,
        reencrypted,
        unchanged: rows - reencrypted,
      };
    } catch (err) {
      // Nothing was changed (one transaction); say which value cannot be read, never the value.
      if (err instanceof DecryptionError) throw new AppError(ErrorCode.InternalError, err.message);
      throw err;
    }
  }
}

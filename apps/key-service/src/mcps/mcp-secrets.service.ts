import { Injectable } from '@nestjs/common';
import { type SealedColumn, SecretsResealer, Tables, TransactionRunner } from '@plexmcp/service-kit';
import { McpHeadersCipher } from './mcp-headers-cipher.js';
import type { McpEntity } from './mcp.entity.js';
import { McpsRepository } from './mcps.repository.js';

type StoredHeaders = Pick<McpEntity, 'id' | 'upstreamHeaders'>;

/** The MCPs' upstream header values at rest (start-up pass and `secrets reencrypt` alike). */
export function mcpHeadersColumn(
  repository: McpsRepository,
  cipher: McpHeadersCipher,
): SealedColumn<StoredHeaders, Record<string, string>> {
  return {
    cipher,
    lock: (manager, onlyPlaintext) => repository.lockHeaders(manager, onlyPlaintext),
    read: (row) => row.upstreamHeaders,
    write: (manager, id, headers) => repository.storeHeaders(manager, id, headers),
  };
}

/** `plexmcp secrets reencrypt` for the key-service: MCP upstream headers under the first key. */
@Injectable()
export class McpSecretsService extends SecretsResealer<StoredHeaders, Record<string, string>> {
  constructor(
    mcps: McpsRepository,
    cipher: McpHeadersCipher,
    tables: Tables,
    transactions: TransactionRunner,
  ) {
    super('key-service', mcpHeadersColumn(mcps, cipher), transactions, tables.schema);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { AppError, ErrorCode, type ReencryptSecretsReply } from '@plexmcp/contracts';
import { DecryptionError } from '@plexmcp/service-kit';
import type { DataSource } from 'typeorm';
import type { SqlExecutor } from '../database/data-source.js';
import { lockMigrations } from '../database/migration-lock.js';
import { DATA_SOURCE } from '../tokens.js';
import { WebhookSecretCipher } from './webhook-secret-cipher.js';
import { WebhooksRepository } from './webhooks.repository.js';

/**
 * Rewrites every webhook's stored secret that is not as it should be (`'plaintext'`: still in
 * clear; `'all'`: also under an older key), in the caller's transaction with the rows locked.
 */
export async function resealWebhookSecrets(
  sql: SqlExecutor,
  repository: WebhooksRepository,
  cipher: WebhookSecretCipher,
  scope: 'plaintext' | 'all',
): Promise<{ rows: number; reencrypted: number }> {
  const rows = await repository.lockSecrets(sql, scope === 'plaintext');
  let reencrypted = 0;
  for (const row of rows) {
    const { value, changed } = cipher.reseal(row.id, row.secret, scope);
    if (!changed) continue;
    await repository.storeSecret(sql, row.id, value);
    reencrypted += 1;
  }
  return { rows: rows.length, reencrypted };
}

/** `plexmcp secrets reencrypt` for the usage-service: webhook signing secrets under the first key. */
@Injectable()
export class WebhookSecretsService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly cipher: WebhookSecretCipher,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async reencrypt(): Promise<ReencryptSecretsReply> {
    const schema = (this.dataSource.options as { schema?: string }).schema ?? 'public';
    try {
      const { rows, reencrypted } = await this.dataSource.transaction(async (tx) => {
        // Not while a starting instance migrates or encrypts secrets stored in clear.
        await lockMigrations(tx, schema);
        return resealWebhookSecrets(tx, this.repository, this.cipher, 'all');
      });
      return {
        service: 'usage-service',
        store: 'webhooks.secret',
        key_id: this.cipher.keyId,
        rows,
        reencrypted,
        unchanged: rows - reencrypted,
      };
    } catch (err) {
      // Nothing was changed (one transaction); say which secret cannot be read, never the secret.
      if (err instanceof DecryptionError) throw new AppError(ErrorCode.InternalError, err.message);
      throw err;
    }
  }
}

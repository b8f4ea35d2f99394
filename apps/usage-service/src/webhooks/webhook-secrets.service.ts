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
import { WebhookSecretCipher } from './webhook-secret-cipher.js';
import { WebhooksRepository } from './webhooks.repository.js';

/**
 * Rewrites every webhook's stored secret that is not as it should be (`'plaintext'`: still in
 * clear; `'all'`: also under an older key), in the caller's transaction with the rows locked.
 */
export async function resealWebhookSecrets(
  manager: EntityManager,
  repository: WebhooksRepository,
  cipher: WebhookSecretCipher,
  scope: ResealScope,
): Promise<ResealCount> {
  return resealRows(await repository.lockSecrets(manager, scope === 'plaintext'), async (row) => {
    const { value, changed } = cipher.reseal(row.id, row.secret, scope);
    if (changed) await repository.storeSecret(manager, row.id, value);
    return changed;
  });
}

/** `plexmcp secrets reencrypt` for the usage-service: webhook signing secrets under the first key. */
@Injectable()
export class WebhookSecretsService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly cipher: WebhookSecretCipher,
    private readonly tables: Tables,
    private readonly transactions: TransactionRunner,
  ) {}

  reencrypt(): Promise<ReencryptSecretsReply> {
    const what = { service: 'usage-service', store: 'webhooks.secret', key_id: this.cipher.keyId } as const;
    return reencryptUnderMigrationLock(what, this.transactions, this.tables.schema, (manager) =>
      resealWebhookSecrets(manager, this.repository, this.cipher, 'all'),
    );
  }
}

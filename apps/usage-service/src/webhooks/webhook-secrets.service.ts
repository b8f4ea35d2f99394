import { Injectable } from '@nestjs/common';
import { type SealedColumn, SecretsResealer, Tables, TransactionRunner } from '@plexmcp/service-kit';
import { WebhookSecretCipher } from './webhook-secret-cipher.js';
import { type WebhookRow, WebhooksRepository } from './webhooks.repository.js';

type StoredSecret = Pick<WebhookRow, 'id' | 'secret'>;

/** The webhooks' signing secrets at rest (start-up pass and `secrets reencrypt` alike). */
export function webhookSecretsColumn(
  repository: WebhooksRepository,
  cipher: WebhookSecretCipher,
): SealedColumn<StoredSecret, string> {
  return {
    cipher,
    lock: (manager, onlyPlaintext) => repository.lockSecrets(manager, onlyPlaintext),
    read: (row) => row.secret,
    write: (manager, id, secret) => repository.storeSecret(manager, id, secret),
  };
}

/** `plexmcp secrets reencrypt` for the usage-service: webhook signing secrets under the first key. */
@Injectable()
export class WebhookSecretsService extends SecretsResealer<StoredSecret, string> {
  constructor(
    repository: WebhooksRepository,
    cipher: WebhookSecretCipher,
    tables: Tables,
    transactions: TransactionRunner,
  ) {
    super('usage-service', webhookSecretsColumn(repository, cipher), transactions, tables.schema);
  }
}

import { Injectable } from '@nestjs/common';
import { SecretsSubjects } from '@plexmcp/contracts';
import {
  ReencryptSecretsController,
  type SealedColumn,
  SecretsResealer,
  Tables,
  TransactionRunner,
} from '@plexmcp/service-kit';
import { OidcSecretCipher } from './oidc-secret-cipher.js';
import { type OidcConfigRow, OidcRepository } from './oidc.repository.js';

/** Organizations' OpenID Connect client secrets at rest. */
export function oidcSecretsColumn(
  repository: OidcRepository,
  cipher: OidcSecretCipher,
): SealedColumn<OidcConfigRow, string> {
  return {
    cipher,
    // Secrets are sealed when written: none is ever in clear, so the start-up pass finds nothing.
    lock: (manager, onlyPlaintext) => (onlyPlaintext ? Promise.resolve([]) : repository.lockAll(manager)),
    read: (row) => row.client_secret,
    write: (manager, id, value) => repository.storeSecret(manager, id, value),
  };
}

/** `plexmcp secrets reencrypt` for the client secrets: all under the first key. */
@Injectable()
export class OidcSecretsService extends SecretsResealer<OidcConfigRow, string> {
  constructor(repository: OidcRepository, cipher: OidcSecretCipher, tables: Tables, tx: TransactionRunner) {
    super('key-service', oidcSecretsColumn(repository, cipher), tx, tables.schema);
  }
}

/** Internal (CLI): re-encrypt the client secrets under the current first key. */
export class OidcSecretsController extends ReencryptSecretsController(
  SecretsSubjects.oidcClientSecrets,
  OidcSecretsService,
) {}

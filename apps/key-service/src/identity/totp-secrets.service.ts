import { Injectable } from '@nestjs/common';
import { SecretsSubjects } from '@plexmcp/contracts';
import {
  ReencryptSecretsController,
  type SealedColumn,
  SecretsResealer,
  Tables,
  TransactionRunner,
} from '@plexmcp/service-kit';
import { IdentityRepository, type TotpSeedRow } from './identity.repository.js';
import { TotpSeedCipher } from './totp-seed-cipher.js';

/** People's TOTP seeds at rest. */
export function totpSeedsColumn(
  repository: IdentityRepository,
  cipher: TotpSeedCipher,
): SealedColumn<TotpSeedRow, string> {
  return {
    cipher,
    // Seeds are sealed when enrolled: none is ever in clear, so the start-up pass finds nothing.
    lock: (manager, onlyPlaintext) =>
      onlyPlaintext ? Promise.resolve([]) : repository.lockTotpSeeds(manager),
    read: (row) => row.totp_secret,
    write: (manager, id, value) => repository.storeTotpSeed(manager, id, value),
  };
}

/** `plexmcp secrets reencrypt` for the TOTP seeds: all under the first key. */
@Injectable()
export class TotpSecretsService extends SecretsResealer<TotpSeedRow, string> {
  constructor(repository: IdentityRepository, cipher: TotpSeedCipher, tables: Tables, tx: TransactionRunner) {
    super('key-service', totpSeedsColumn(repository, cipher), tx, tables.schema);
  }
}

/** Internal (CLI): re-encrypt the TOTP seeds under the current first key. */
export class TotpSecretsController extends ReencryptSecretsController(
  SecretsSubjects.totpSeeds,
  TotpSecretsService,
) {}

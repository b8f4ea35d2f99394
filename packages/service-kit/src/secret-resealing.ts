import { AppError, ErrorCode, type ReencryptSecretsReply } from '@plexmcp/contracts';
import type { EntityManager } from 'typeorm';
import { lockMigrations } from './database.js';
import { DecryptionError } from './encryption.js';
import type { TransactionRunner } from './transactions.js';

export interface ResealCount {
  rows: number;
  reencrypted: number;
}

/**
 * One re-encryption pass over rows already locked in the caller's transaction: `reseal` rewrites
 * a row when it is not as it should be and says whether it did. Used at start-up (plaintext rows)
 * and by `plexmcp secrets reencrypt` (every row), in every service that stores secrets.
 */
export async function resealRows<Row>(
  rows: readonly Row[],
  reseal: (row: Row) => Promise<boolean>,
): Promise<ResealCount> {
  let reencrypted = 0;
  for (const row of rows) if (await reseal(row)) reencrypted += 1;
  return { rows: rows.length, reencrypted };
}

/**
 * The answer of a service's `secrets reencrypt`: runs the whole pass (one transaction, so nothing
 * changes when a value cannot be read) and names the unreadable value's place, never its content.
 */
export async function reencryptionReply(
  what: Pick<ReencryptSecretsReply, 'service' | 'store' | 'key_id'>,
  pass: () => Promise<ResealCount>,
): Promise<ReencryptSecretsReply> {
  try {
    const { rows, reencrypted } = await pass();
    return { ...what, rows, reencrypted, unchanged: rows - reencrypted };
  } catch (err) {
    if (err instanceof DecryptionError) throw new AppError(ErrorCode.InternalError, err.message);
    throw err;
  }
}

/**
 * `secrets reencrypt` of one store: `pass` re-encrypts every row (scope `'all'`) in one
 * transaction, under the schema's migration lock so it never runs while a starting instance
 * migrates or encrypts values still stored in clear.
 */
export function reencryptUnderMigrationLock(
  what: Pick<ReencryptSecretsReply, 'service' | 'store' | 'key_id'>,
  transactions: TransactionRunner,
  schema: string,
  pass: (manager: EntityManager) => Promise<ResealCount>,
): Promise<ReencryptSecretsReply> {
  return reencryptionReply(what, () =>
    transactions.run(async (manager) => {
      await lockMigrations(manager, schema);
      return pass(manager);
    }),
  );
}

import { AppError, ErrorCode, type ReencryptSecretsReply } from '@plexmcp/contracts';
import type { EntityManager } from 'typeorm';
import { lockMigrations } from './database.js';
import { DecryptionError, type ResealScope } from './encryption.js';
import type { SecretsReencrypter } from './rpc-server.js';
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

/**
 * One column of secrets encrypted at rest, described once by the service that owns it: where it
 * lives, its cipher, and how its repository locks, reads and writes it. `resealColumn` and
 * `SecretsResealer` do the rest, the same way for every store.
 */
export interface SealedColumn<Row extends { id: string }, Value> {
  readonly cipher: {
    /** Its column, `table.column`, as the `secrets reencrypt` reply names it. */
    readonly store: string;
    /** The key values are encrypted under now. */
    readonly keyId: string;
    /** The row's value as it should be stored now, and whether that differs from `stored`. */
    reseal(id: string, stored: Value, scope: ResealScope): { value: Value; changed: boolean };
  };
  /** Every row (only those with a value still in clear when `onlyPlaintext`), locked for update. */
  lock(manager: EntityManager, onlyPlaintext: boolean): Promise<readonly Row[]>;
  read(row: Row): Value;
  write(manager: EntityManager, id: string, value: Value): Promise<void>;
}

/**
 * Rewrites every value of the column that is not as it should be (`'plaintext'`: still in clear;
 * `'all'`: also under an older key), in the caller's transaction with the rows locked.
 */
export async function resealColumn<Row extends { id: string }, Value>(
  manager: EntityManager,
  column: SealedColumn<Row, Value>,
  scope: ResealScope,
): Promise<ResealCount> {
  return resealRows(await column.lock(manager, scope === 'plaintext'), async (row) => {
    const { value, changed } = column.cipher.reseal(row.id, column.read(row), scope);
    if (changed) await column.write(manager, row.id, value);
    return changed;
  });
}

/** `plexmcp secrets reencrypt` of one service's column: every value under the first key. */
export class SecretsResealer<Row extends { id: string }, Value> implements SecretsReencrypter {
  constructor(
    private readonly service: ReencryptSecretsReply['service'],
    private readonly column: SealedColumn<Row, Value>,
    private readonly transactions: TransactionRunner,
    private readonly schema: string,
  ) {}

  reencrypt(): Promise<ReencryptSecretsReply> {
    const { store, keyId } = this.column.cipher;
    const what = { service: this.service, store, key_id: keyId };
    return reencryptUnderMigrationLock(what, this.transactions, this.schema, (manager) =>
      resealColumn(manager, this.column, 'all'),
    );
  }
}

import { Injectable } from '@nestjs/common';
import { type SealedColumn, SecretsResealer, Tables, TransactionRunner } from '@plexmcp/service-kit';
import { IdempotencyResponseCipher } from './idempotency-response-cipher.js';
import { IdempotencyRepository, type StoredResponse } from './idempotency.repository.js';

/** The stored Idempotency-Key answers at rest. */
export function idempotencyResponsesColumn(
  repository: IdempotencyRepository,
  cipher: IdempotencyResponseCipher,
): SealedColumn<StoredResponse, string> {
  return {
    cipher,
    // Answers are encrypted when written: none is ever in clear, so the start-up pass finds nothing.
    lock: (manager, onlyPlaintext) =>
      onlyPlaintext ? Promise.resolve([]) : repository.lockResponses(manager),
    read: (row) => row.response,
    write: (manager, id, response) => repository.storeResponse(manager, id, response),
  };
}

/** `plexmcp secrets reencrypt` for the stored Idempotency-Key answers: all under the first key. */
@Injectable()
export class IdempotencySecretsService extends SecretsResealer<StoredResponse, string> {
  constructor(
    records: IdempotencyRepository,
    cipher: IdempotencyResponseCipher,
    tables: Tables,
    transactions: TransactionRunner,
  ) {
    super('key-service', idempotencyResponsesColumn(records, cipher), transactions, tables.schema);
  }
}

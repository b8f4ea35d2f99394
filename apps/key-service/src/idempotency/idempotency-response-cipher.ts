import { ColumnCipher, type Keyring } from '@plexmcp/service-kit';

/**
 * Stored Idempotency-Key answers at rest. Each is encrypted bound to its organization and key (a
 * value copied to another record fails to decrypt). A record's id is `<org id>:<idempotency key>`
 * (organization ids hold no `:`).
 */
export class IdempotencyResponseCipher extends ColumnCipher {
  constructor(keyring: Keyring) {
    super(keyring, 'idempotency_records.response');
  }
}

export function idempotencyRecordId(orgId: string, key: string): string {
  return `${orgId}:${key}`;
}

/** The organization and key of a record id. */
export function splitRecordId(id: string): { orgId: string; key: string } {
  const at = id.indexOf(':');
  return { orgId: id.slice(0, at), key: id.slice(at + 1) };
}

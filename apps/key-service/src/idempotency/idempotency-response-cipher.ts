import type { Keyring, ResealScope } from '@plexmcp/service-kit';

/**
 * Stored Idempotency-Key answers at rest. Each is encrypted bound to its organization and key (a
 * value copied to another record fails to decrypt). A record's id is `<org id>:<idempotency key>`
 * (organization ids hold no `:`).
 */
export class IdempotencyResponseCipher {
  constructor(private readonly keyring: Keyring) {}

  get keyId(): string {
    return this.keyring.primaryKeyId;
  }

  seal(recordId: string, body: string): string {
    return this.keyring.encrypt(body, context(recordId));
  }

  /** Throws DecryptionError (naming the record, never its content) when the value cannot be read. */
  open(recordId: string, stored: string): string {
    return this.keyring.decrypt(stored, context(recordId));
  }

  reseal(recordId: string, stored: string, scope: ResealScope): { value: string; changed: boolean } {
    return this.keyring.reseal(stored, context(recordId), scope);
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

function context(recordId: string): string {
  return `idempotency_records.response:${recordId}`;
}

import type { Keyring, ResealScope } from '@plexmcp/service-kit';

/** TOTP seeds at rest, each bound to its user (a value copied to another user fails to open). */
export class TotpSeedCipher {
  constructor(private readonly keyring: Keyring) {}

  get keyId(): string {
    return this.keyring.primaryKeyId;
  }

  seal(userId: string, seed: string): string {
    return this.keyring.encrypt(seed, context(userId));
  }

  open(userId: string, stored: string): string {
    return this.keyring.decrypt(stored, context(userId));
  }

  reseal(userId: string, stored: string, scope: ResealScope): { value: string; changed: boolean } {
    return this.keyring.reseal(stored, context(userId), scope);
  }
}

function context(userId: string): string {
  return `users.totp_secret:${userId}`;
}

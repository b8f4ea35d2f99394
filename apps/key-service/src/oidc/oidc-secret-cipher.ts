import type { Keyring, ResealScope } from '@plexmcp/service-kit';

/** Client secrets at rest, each bound to its organization (a value copied elsewhere fails to open). */
export class OidcSecretCipher {
  constructor(private readonly keyring: Keyring) {}

  get keyId(): string {
    return this.keyring.primaryKeyId;
  }

  seal(orgId: string, secret: string): string {
    return this.keyring.encrypt(secret, context(orgId));
  }

  open(orgId: string, stored: string): string {
    return this.keyring.decrypt(stored, context(orgId));
  }

  reseal(orgId: string, stored: string, scope: ResealScope): { value: string; changed: boolean } {
    return this.keyring.reseal(stored, context(orgId), scope);
  }
}

function context(orgId: string): string {
  return `org_oidc_configs.client_secret:${orgId}`;
}

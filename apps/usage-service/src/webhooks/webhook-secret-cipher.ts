import { type Keyring, type ResealScope, isEncrypted } from '@plexmcp/service-kit';

/**
 * Webhook signing secrets at rest, each encrypted and bound to its webhook (a secret copied to
 * another webhook's row fails to decrypt). A `whsec_…` value was stored before encryption existed:
 * it is read as it is until the start-up pass encrypts it.
 */
export class WebhookSecretCipher {
  constructor(private readonly keyring: Keyring) {}

  /** The key new secrets are encrypted under. */
  get keyId(): string {
    return this.keyring.primaryKeyId;
  }

  seal(webhookId: string, secret: string): string {
    return this.keyring.encrypt(secret, context(webhookId));
  }

  /** Throws DecryptionError (naming the webhook, never the secret) when it cannot be read. */
  open(webhookId: string, stored: string): string {
    return isEncrypted(stored) ? this.keyring.decrypt(stored, context(webhookId)) : stored;
  }

  /** `'plaintext'` encrypts a secret still in clear; `'all'` also moves one under an older key. */
  reseal(webhookId: string, stored: string, scope: ResealScope): { value: string; changed: boolean } {
    return this.keyring.reseal(stored, context(webhookId), scope);
  }
}

function context(webhookId: string): string {
  return `webhooks.secret:${webhookId}`;
}

import { ColumnCipher, type Keyring, isEncrypted } from '@plexmcp/service-kit';

/**
 * Webhook signing secrets at rest, each encrypted and bound to its webhook (a secret copied to
 * another webhook's row fails to decrypt). A `whsec_…` value was stored before encryption existed:
 * it is read as it is until the start-up pass encrypts it.
 */
export class WebhookSecretCipher extends ColumnCipher {
  constructor(keyring: Keyring) {
    super(keyring, 'webhooks.secret');
  }

  override open(webhookId: string, stored: string): string {
    return isEncrypted(stored) ? super.open(webhookId, stored) : stored;
  }
}

import { ColumnCipher, type Keyring } from '@plexmcp/service-kit';

/** TOTP seeds at rest, each bound to its user (a value copied to another user fails to open). */
export class TotpSeedCipher extends ColumnCipher {
  constructor(keyring: Keyring) {
    super(keyring, 'users.totp_secret');
  }
}

import { ColumnCipher, type Keyring } from '@plexmcp/service-kit';

/** Client secrets at rest, each bound to its organization (a value copied elsewhere fails to open). */
export class OidcSecretCipher extends ColumnCipher {
  constructor(keyring: Keyring) {
    super(keyring, 'org_oidc_configs.client_secret');
  }
}

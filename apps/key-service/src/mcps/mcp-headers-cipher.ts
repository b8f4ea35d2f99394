import { type Keyring, type ResealScope, isEncrypted } from '@plexmcp/service-kit';

/**
 * Upstream header values at rest. Each value is encrypted on its own, bound to its MCP and header
 * name (so a value copied to another MCP or header fails to decrypt); the names stay in clear
 * because views list them (`upstream_header_names`). A value that is not an envelope was stored
 * before encryption existed: it is read as it is until the start-up pass encrypts it.
 */
export class McpHeadersCipher {
  /** Its column, as `secrets reencrypt` names it. */
  readonly store = 'mcps.upstream_headers';

  constructor(private readonly keyring: Keyring) {}

  /** The key new values are encrypted under. */
  get keyId(): string {
    return this.keyring.primaryKeyId;
  }

  seal(mcpId: string, headers: Readonly<Record<string, string>>): Record<string, string> {
    return mapValues(headers, (name, value) => this.keyring.encrypt(value, this.context(mcpId, name)));
  }

  /** Throws DecryptionError (naming the MCP and header, never a value) when a value cannot be read. */
  open(mcpId: string, stored: Readonly<Record<string, string>>): Record<string, string> {
    return mapValues(stored, (name, value) =>
      isEncrypted(value) ? this.keyring.decrypt(value, this.context(mcpId, name)) : value,
    );
  }

  /**
   * The stored headers as they should be stored now. `scope: 'plaintext'` encrypts only values
   * stored before encryption; `'all'` also moves values under older keys to the first key.
   */
  reseal(
    mcpId: string,
    stored: Readonly<Record<string, string>>,
    scope: ResealScope,
  ): { value: Record<string, string>; changed: boolean } {
    let changed = false;
    const value = mapValues(stored, (name, value) => {
      const next = this.keyring.reseal(value, this.context(mcpId, name), scope);
      changed ||= next.changed;
      return next.value;
    });
    return { value, changed };
  }

  private context(mcpId: string, name: string): string {
    return `${this.store}:${mcpId}:${name}`;
  }
}

function mapValues(
  headers: Readonly<Record<string, string>>,
  map: (name: string, value: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = map(name, value);
  return out;
}

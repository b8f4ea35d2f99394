import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { z } from 'zod';
import { ConfigError } from './config.js';

/** The variable holding the keyring of the secrets PlexMCP keeps at rest (webhook secrets, MCP headers). */
export const ENCRYPTION_KEYS_VARIABLE = 'PLEXMCP_ENCRYPTION_KEYS';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** `enc:v1:<key id>:<iv>:<ciphertext + tag>`, both parts base64url: what a column holds once encrypted. */
const ENVELOPE = /^enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;

const HOW_TO_GENERATE =
  `a comma-separated list of id:base64 entries, each a 32-byte key, e.g. ` +
  `${ENCRYPTION_KEYS_VARIABLE}="k1:$(openssl rand -base64 32)"; the first key encrypts, every key decrypts`;

/** Which stored values a pass rewrites: those still in clear, or also those under an older key. */
export type ResealScope = 'plaintext' | 'all';

/** A value could not be decrypted: unknown key id, wrong key, tampered bytes or another row's value. */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/** Whether a stored value is an encrypted envelope (anything else is a plaintext value from before encryption). */
export function isEncrypted(value: string): boolean {
  return ENVELOPE.test(value);
}

/** The key id an envelope was encrypted under, or null for a plaintext value. */
export function encryptionKeyIdOf(value: string): string | null {
  return ENVELOPE.exec(value)?.[1] ?? null;
}

/**
 * AES-256-GCM for secrets at rest, under a keyring from `PLEXMCP_ENCRYPTION_KEYS`
 * (`id:base64,id:base64,…`). The first key encrypts; every key decrypts, so keys rotate by putting
 * a new one first, re-encrypting (`plexmcp secrets reencrypt`), then dropping the old one.
 *
 * Every value gets a random 96-bit IV and is bound to where it is stored by its `context`
 * (authenticated, not stored: e.g. `webhooks.secret:wh_123`), so a ciphertext copied into another
 * row, column or key id fails to decrypt. Key material never appears in errors, JSON or inspect.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key new values are encrypted under. */
  readonly primaryKeyId: string;

  private constructor(keys: Map<string, Buffer>, primaryKeyId: string) {
    this.#keys = keys;
    this.primaryKeyId = primaryKeyId;
  }

  /** Parses `id:base64,…`; throws a ConfigError naming the variable (never echoing key material). */
  static parse(text: string | undefined): Keyring {
    const result = Keyring.tryParse(text);
    if ('problems' in result) {
      throw new ConfigError(result.problems.map((p) => `${ENCRYPTION_KEYS_VARIABLE}: ${p}`));
    }
    return result.keyring;
  }

  /** Like parse(), but answers the problems (without the variable name) instead of throwing. */
  static tryParse(text: string | undefined): { keyring: Keyring } | { problems: string[] } {
    const parsed = parseEntries(text);
    if ('problems' in parsed) return parsed;
    return { keyring: new Keyring(parsed.keys, parsed.keys.keys().next().value!) };
  }

  /** A fresh keyring entry `id:base64` with a random 32-byte key (what `openssl rand -base64 32` gives). */
  static generateEntry(id: string): string {
    if (!KEY_ID.test(id)) throw new Error(`key id must match ${KEY_ID.source}`);
    return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  /** Ids of every key, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.#keys.get(this.primaryKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(this.primaryKeyId, context));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `enc:v1:${this.primaryKeyId}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  /** Decrypts an envelope made for the same `context`; throws DecryptionError otherwise. */
  decrypt(envelope: string, context: string): string {
    const match = ENVELOPE.exec(envelope);
    if (!match) throw new DecryptionError(`${context}: not an encrypted value`);
    const [, keyId, ivText, sealedText] = match as unknown as [string, string, string, string];
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new DecryptionError(
        `${context}: encrypted under key "${keyId}", which is not in ${ENCRYPTION_KEYS_VARIABLE}`,
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const sealed = Buffer.from(sealedText, 'base64url');
    if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) {
      throw new DecryptionError(`${context}: malformed encrypted value`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(keyId, context));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DecryptionError(
        `${context}: authentication failed under key "${keyId}" (wrong key, altered value, or a value copied from elsewhere)`,
      );
    }
  }

  /**
   * A stored value as it should be stored now: a plaintext value (from before encryption) or one
   * under an older key comes back re-encrypted under the first key; `changed` is false when the
   * value already was. Throws DecryptionError when an envelope cannot be decrypted.
   */
  reencrypt(stored: string, context: string): { value: string; changed: boolean } {
    const keyId = encryptionKeyIdOf(stored);
    if (keyId === this.primaryKeyId) {
      this.decrypt(stored, context); // proves it is intact; never silently keep a broken value
      return { value: stored, changed: false };
    }
    const plaintext = keyId === null ? stored : this.decrypt(stored, context);
    return { value: this.encrypt(plaintext, context), changed: true };
  }

  /** Plaintext rows become envelopes; envelopes under any known key stay as they are. */
  encryptIfPlaintext(stored: string, context: string): { value: string; changed: boolean } {
    if (isEncrypted(stored)) return { value: stored, changed: false };
    return { value: this.encrypt(stored, context), changed: true };
  }

  /** One re-encryption pass's step: `'plaintext'` → encryptIfPlaintext, `'all'` → reencrypt. */
  reseal(stored: string, context: string, scope: ResealScope): { value: string; changed: boolean } {
    return scope === 'all' ? this.reencrypt(stored, context) : this.encryptIfPlaintext(stored, context);
  }

  toJSON(): { primary_key_id: string; key_ids: string[] } {
    return { primary_key_id: this.primaryKeyId, key_ids: this.keyIds };
  }

  [inspect.custom](): string {
    return `Keyring { primary: ${this.primaryKeyId}, keys: [${this.keyIds.join(', ')}] }`;
  }
}

/** The version and key id are authenticated with the caller's context. */
function associatedData(keyId: string, context: string): Buffer {
  return Buffer.from(`plexmcp:enc:v1:${keyId}:${context}`, 'utf8');
}

function parseEntries(text: string | undefined): { keys: Map<string, Buffer> } | { problems: string[] } {
  if (text === undefined || text.trim() === '') {
    return { problems: [`required: ${HOW_TO_GENERATE}`] };
  }
  const problems: string[] = [];
  const keys = new Map<string, Buffer>();
  const entries = text.split(',').map((e) => e.trim());
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} must be id:base64 (${HOW_TO_GENERATE})`);
      return;
    }
    const id = entry.slice(0, colon);
    const material = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      problems.push(`${where}: the key id must be 1-32 characters of A-Z, a-z, 0-9, _ or -`);
      return;
    }
    if (keys.has(id)) {
      problems.push(`${where}: key id "${id}" appears twice`);
      return;
    }
    const key = decodeBase64(material);
    if (!key) {
      problems.push(`key "${id}" is not valid base64`);
      return;
    }
    if (key.length !== KEY_BYTES) {
      problems.push(
        `key "${id}" is ${key.length} bytes; it must be exactly ${KEY_BYTES} (openssl rand -base64 32)`,
      );
      return;
    }
    keys.set(id, key);
  });
  return problems.length > 0 ? { problems } : { keys };
}

/** Standard or URL-safe base64, padded or not; null when it is anything else. */
function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const normalized = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (normalized.length % 4 === 1) return null;
  const bytes = Buffer.from(normalized, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === normalized ? bytes : null;
}

/**
 * `PLEXMCP_ENCRYPTION_KEYS` in a service's config schema: required, parsed into a Keyring; a
 * missing or malformed keyring stops the service with a message saying how to make one.
 */
export const encryptionKeysSchema = z
  .string({ error: `required: ${HOW_TO_GENERATE}` })
  .transform((text, ctx) => {
    const result = Keyring.tryParse(text);
    if ('keyring' in result) return result.keyring;
    for (const message of result.problems) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/**
 * One column's secrets at rest (`store`, `table.column`), each sealed with the keyring and bound
 * to its row: the context is `<store>:<row id>`, so a value copied into another row (or another
 * column) fails to open. The services' ciphers are this with their store named; `SealedColumn`
 * (secret-resealing.ts) uses one to re-encrypt its column.
 */
export class ColumnCipher {
  constructor(
    protected readonly keyring: Keyring,
    readonly store: string,
  ) {}

  /** The key new values are encrypted under. */
  get keyId(): string {
    return this.keyring.primaryKeyId;
  }

  seal(id: string, value: string): string {
    return this.keyring.encrypt(value, this.context(id));
  }

  /** Throws DecryptionError (naming the row, never the value) when the value cannot be read. */
  open(id: string, stored: string): string {
    return this.keyring.decrypt(stored, this.context(id));
  }

  /** `'plaintext'` encrypts a value still in clear; `'all'` also moves one under an older key. */
  reseal(id: string, stored: string, scope: ResealScope): { value: string; changed: boolean } {
    return this.keyring.reseal(stored, this.context(id), scope);
  }

  protected context(id: string): string {
    return `${this.store}:${id}`;
  }
}

import { type KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The public keys secret scanners sign their reports with, by identifier. Nothing is fetched at
 * run time: `SECRET_SCANNING_PUBLIC_KEYS` holds them, or names a file that does, in either form —
 * GitHub's own JSON (`{"public_keys": [{"key_identifier", "key", …}]}`, as served at
 * `api.github.com/meta/public_keys/secret_scanning`), or one or more PEM public keys, each then
 * identified by the SHA-256 (hex) of its DER SubjectPublicKeyInfo. Only ECDSA P-256 keys.
 */
export type ScannerPublicKeys = ReadonlyMap<string, KeyObject>;

const githubKeysSchema = z.object({
  public_keys: z.array(z.object({ key_identifier: z.string().min(1).max(200), key: z.string() })).min(1),
});

const PEM = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

function p256(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('only ECDSA P-256 public keys are accepted');
  }
  return key;
}

/** The identifier of a PEM key given without one: SHA-256 hex of its DER encoding. */
export function publicKeyIdentifier(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function parseText(text: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = githubKeysSchema.parse(JSON.parse(trimmed));
    for (const { key_identifier, key } of parsed.public_keys) keys.set(key_identifier, p256(key));
    return keys;
  }
  const pems = trimmed.match(PEM);
  if (pems === null) throw new Error('expected PEM public keys or GitHub\'s {"public_keys": […]} JSON');
  for (const pem of pems) {
    const key = p256(pem);
    keys.set(publicKeyIdentifier(key), key);
  }
  return keys;
}

/** Unset or empty: no keys, and every report is refused. Throws on anything unusable. */
export function loadScannerPublicKeys(value: string | undefined): ScannerPublicKeys {
  if (value === undefined || value.trim() === '') return new Map();
  const inline = value.trim().startsWith('{') || value.includes('-----BEGIN');
  return parseText(inline ? value : readFileSync(value.trim(), 'utf8'));
}

/** Whether `signature` (base64 DER ECDSA) by the key `identifier` signs `body` (SHA-256). */
export function verifyScannerSignature(
  keys: ScannerPublicKeys,
  identifier: string,
  signature: string,
  body: Buffer,
): boolean {
  const key = keys.get(identifier);
  if (key === undefined || signature.length === 0 || signature.length > 400) return false;
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

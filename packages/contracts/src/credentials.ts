import { createHash, randomBytes } from 'node:crypto';

/**
 * The secrets a person is handed (dashboard session token, set-password or reset token, sign-in
 * challenge): 32 random bytes, base64url. Only their SHA-256 is ever stored or sent between
 * services; the gateway and the key-service compute it the same way here.
 */
export function newCredential(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a credential, as stored and as it crosses NATS. */
export function hashCredential(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A credential as the browser may present it: 43 base64url characters. */
export const CREDENTIAL_PATTERN = /^[A-Za-z0-9_-]{43}$/;

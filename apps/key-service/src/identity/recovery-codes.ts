import { hashCredential } from '@plexmcp/contracts';
import { randomInt } from 'node:crypto';

/** How many recovery codes a user gets when enrolling TOTP (a new enrolment replaces them). */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function group(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** Ten codes `xxxxx-xxxxx` (50 random bits each), shown once, stored as SHA-256. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => `${group()}-${group()}`);
}

/** The stored form of a code as typed: case and surrounding spaces do not matter. */
export function hashRecoveryCode(code: string): string {
  return hashCredential(code.trim().toLowerCase());
}

export function isRecoveryCode(code: string): boolean {
  return /^[a-z2-7]{5}-[a-z2-7]{5}$/i.test(code.trim());
}

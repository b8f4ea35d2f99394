import { hash } from 'node:crypto';
import { BASE62_ALPHABET, randomBase62 } from './ids.js';

/**
 * API-key format: `pk_live_` | `pk_test_`, 32 random base62 characters, then a
 * 6-character base62 CRC32 of everything before it. Parsing is pure and allocation-light: it runs
 * on the gateway's hot path before any network call.
 */
export type KeyMode = 'live' | 'test';

export const KEY_PREFIXES: Readonly<Record<KeyMode, string>> = { live: 'pk_live_', test: 'pk_test_' };
export const KEY_PREFIX_LENGTH = 8;
export const KEY_RANDOM_LENGTH = 32;
export const KEY_CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = KEY_PREFIX_LENGTH + KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH;
/** Characters kept for display: `pk_live_AbCd`. */
export const KEY_DISPLAY_PREFIX_LENGTH = KEY_PREFIX_LENGTH + 4;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of an ASCII string, or of its first `length` characters. */
export function crc32(text: string, length = text.length): number {
  let crc = 0xffffffff;
  for (let i = 0; i < length; i++) {
    crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Fixed-width base62 (most significant digit first); 62^6 > 2^32, so CRC32 always fits. */
function toBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62_ALPHABET[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

export function keyChecksum(body: string): string {
  return toBase62(crc32(body), KEY_CHECKSUM_LENGTH);
}

export function generateApiKey(mode: KeyMode): string {
  const body = KEY_PREFIXES[mode] + randomBase62(KEY_RANDOM_LENGTH);
  return body + keyChecksum(body);
}

export interface ParsedApiKey {
  mode: KeyMode;
  key: string;
}

/** The value of a base62 digit (BASE62_ALPHABET order: 0-9, A-Z, a-z), or -1. */
function base62Digit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 61;
  return -1;
}

/** Returns the parsed key, or null for anything malformed (prefix, length, alphabet, checksum). */
export function parseApiKey(candidate: string): ParsedApiKey | null {
  if (typeof candidate !== 'string' || candidate.length !== KEY_LENGTH) return null;
  let mode: KeyMode;
  if (candidate.startsWith(KEY_PREFIXES.live)) mode = 'live';
  else if (candidate.startsWith(KEY_PREFIXES.test)) mode = 'test';
  else return null;
  // The checksum digits read as a number and compared with the CRC of the rest: no strings built
  // (this runs on every request the gateway authenticates).
  const bodyLength = KEY_LENGTH - KEY_CHECKSUM_LENGTH;
  let checksum = 0;
  for (let i = KEY_PREFIX_LENGTH; i < KEY_LENGTH; i++) {
    const digit = base62Digit(candidate.charCodeAt(i));
    if (digit < 0) return null;
    if (i >= bodyLength) checksum = checksum * 62 + digit;
  }
  if (crc32(candidate, bodyLength) !== checksum) return null;
  return { mode, key: candidate };
}

/**
 * SHA-256 hex of the full key: what is stored, indexed and sent over NATS. The one-shot
 * `crypto.hash` builds no Hash object: a third of `createHash().update().digest()`'s CPU, and the
 * gateway hashes the presented key on every request.
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function keyDisplayPrefix(key: string): string {
  return key.slice(0, KEY_DISPLAY_PREFIX_LENGTH);
}

export function keyLast4(key: string): string {
  return key.slice(-4);
}

export const KEY_HASH_PATTERN = /^[0-9a-f]{64}$/;

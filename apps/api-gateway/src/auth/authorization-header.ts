import { KEY_LENGTH } from '@plexmcp/contracts';

const SCHEME = 'bearer ';

/**
 * Extracts the key from `Authorization: Bearer <key>`. The scheme is matched case-insensitively
 * (RFC 9110), followed by exactly one space and the key with nothing after it: a trailing space or
 * character makes the key malformed. Returns null when there is no usable key.
 */
export function extractBearerKey(header: string | undefined): string | null {
  if (header === undefined || header.length !== SCHEME.length + KEY_LENGTH) return null;
  for (let i = 0; i < SCHEME.length; i++) {
    // ASCII lower-casing without allocating a new string.
    const code = header.charCodeAt(i) | (i < SCHEME.length - 1 ? 0x20 : 0);
    if (code !== SCHEME.charCodeAt(i)) return null;
  }
  return header.slice(SCHEME.length);
}

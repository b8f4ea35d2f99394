import { randomBytes } from 'node:crypto';

/** Every prefixed id in the system is generated here and nowhere else. */
export const IdPrefix = {
  Organization: 'org',
  Key: 'key',
  Mcp: 'mcp',
  Alert: 'alert',
  Webhook: 'wh',
  WebhookDelivery: 'whd',
  Request: 'req',
  Event: 'evt',
  Audit: 'aud',
  User: 'usr',
  Session: 'ses',
  OneTimeToken: 'ott',
  RecoveryCode: 'rc',
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform base62 string from a CSPRNG (rejection sampling, so no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (const byte of bytes) {
      if (byte < 248) out += BASE62_ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

const ID_BODY_LENGTH = 22;

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(ID_BODY_LENGTH)}`;
}

/** Regex matching ids of one kind; used by schemas to reject malformed ids at the boundary. */
export function idPattern(prefix: IdPrefix): RegExp {
  return new RegExp(`^${prefix}_[0-9A-Za-z]{8,64}$`);
}

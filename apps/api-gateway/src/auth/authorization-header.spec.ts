import { describe, expect, it } from '@jest/globals';
import { generateApiKey } from '@plexmcp/contracts';
import { extractBearerKey } from './authorization-header.js';

describe('extractBearerKey', () => {
  const key = generateApiKey('live');

  it('takes the key from "Bearer <key>" (scheme case-insensitive)', () => {
    expect(extractBearerKey(`Bearer ${key}`)).toBe(key);
    expect(extractBearerKey(`bearer ${key}`)).toBe(key);
    expect(extractBearerKey(`BEARER ${key}`)).toBe(key);
  });

  it('rejects a missing header, other schemes, a missing key and extra characters', () => {
    expect(extractBearerKey(undefined)).toBeNull();
    expect(extractBearerKey('Bearer')).toBeNull();
    expect(extractBearerKey('Bearer ')).toBeNull();
    expect(extractBearerKey(`Basic ${key}`.padEnd(`Bearer ${key}`.length, 'x'))).toBeNull();
    expect(extractBearerKey(`Bearer  ${key}`)).toBeNull();
    expect(extractBearerKey(`Bearer ${key} `)).toBeNull();
    expect(extractBearerKey(`Bearer:${key}`)).toBeNull();
    expect(extractBearerKey(key)).toBeNull();
  });
});

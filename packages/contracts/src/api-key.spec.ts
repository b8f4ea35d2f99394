import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BASE62_ALPHABET,
  KEY_LENGTH,
  crc32,
  generateApiKey,
  hashApiKey,
  keyDisplayPrefix,
  keyChecksum,
  keyLast4,
  parseApiKey,
} from './index.js';

describe('API key format', () => {
  it('round-trips generate → parse for both modes', () => {
    for (const mode of ['live', 'test'] as const) {
      const key = generateApiKey(mode);
      expect(key).toMatch(new RegExp(`^pk_${mode}_[0-9A-Za-z]{38}$`));
      expect(key).toHaveLength(KEY_LENGTH);
      expect(parseApiKey(key)).toEqual({ mode, key });
    }
  });

  it('computes the standard CRC-32', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('never generates the same key twice in a sample', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateApiKey('live')));
    expect(keys.size).toBe(2000);
  });

  it('catches every single-character change of a key', () => {
    const key = generateApiKey('live');
    for (let i = 0; i < key.length; i++) {
      for (const c of BASE62_ALPHABET + '_-') {
        if (c === key[i]) continue;
        const changed = key.slice(0, i) + c + key.slice(i + 1);
        expect(parseApiKey(changed)).toBeNull();
      }
    }
  });

  it('rejects wrong prefix, length and alphabet', () => {
    const key = generateApiKey('test');
    expect(parseApiKey(key.replace('pk_test_', 'pk_prod_'))).toBeNull();
    expect(parseApiKey(key.replace('pk_test_', 'sk_test_'))).toBeNull();
    expect(parseApiKey(key + 'a')).toBeNull();
    expect(parseApiKey(key.slice(0, -1))).toBeNull();
    expect(parseApiKey(key + ' ')).toBeNull();
    expect(parseApiKey(' ' + key.slice(1))).toBeNull();
    expect(parseApiKey('')).toBeNull();
    expect(parseApiKey(key.slice(0, 20) + 'é' + key.slice(21))).toBeNull();
  });

  it('hashes as SHA-256 hex of the full key and keeps only prefix and last 4 for display', () => {
    const key = generateApiKey('live');
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(keyDisplayPrefix(key)).toBe(key.slice(0, 12));
    expect(keyDisplayPrefix(key)).toMatch(/^pk_live_[0-9A-Za-z]{4}$/);
    expect(keyLast4(key)).toBe(key.slice(-4));
  });

  it('property: no arbitrary string that is not a generated key parses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const parsed = parseApiKey(s);
        if (parsed === null) return true;
        // Anything that parses must satisfy every rule of the format.
        return /^pk_(live|test)_[0-9A-Za-z]{38}$/.test(s);
      }),
      { numRuns: 5000 },
    );
  });

  it('property: random well-shaped keys without a valid checksum are rejected', () => {
    const base62Char = fc.constantFrom(...BASE62_ALPHABET.split(''));
    fc.assert(
      fc.property(
        fc.constantFrom('pk_live_', 'pk_test_'),
        fc.array(base62Char, { minLength: 38, maxLength: 38 }),
        (prefix, chars) => {
          const candidate = prefix + chars.join('');
          const parsed = parseApiKey(candidate);
          return parsed === null || candidate.slice(40) === keyChecksum(candidate.slice(0, 40));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('property: mutating any generated key in one position is always caught', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('live', 'test'),
        fc.nat({ max: KEY_LENGTH - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        (mode, index, ch) => {
          const key = generateApiKey(mode);
          fc.pre(key[index] !== ch);
          return parseApiKey(key.slice(0, index) + ch + key.slice(index + 1)) === null;
        },
      ),
      { numRuns: 3000 },
    );
  });
});

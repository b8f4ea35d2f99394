import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, loadConfig } from './config.js';
import {
  DecryptionError,
  Keyring,
  encryptionKeyIdOf,
  encryptionKeysSchema,
  isEncrypted,
} from './encryption.js';

const entry = (id: string, bytes = randomBytes(32)) => ({ id, base64: bytes.toString('base64'), bytes });

/** Flips one bit of the decoded part `part` (3 = IV, 4 = ciphertext + tag) of an envelope. */
function tamper(envelope: string, part: 3 | 4, byteIndex: number): string {
  const pieces = envelope.split(':');
  const bytes = Buffer.from(pieces[part]!, 'base64url');
  const at = byteIndex < 0 ? bytes.length + byteIndex : byteIndex;
  bytes[at] = bytes[at]! ^ 0x01;
  pieces[part] = bytes.toString('base64url');
  return pieces.join(':');
}

describe('Keyring', () => {
  const k1 = entry('k1');
  const k2 = entry('k2');
  const ring = Keyring.parse(`${k1.id}:${k1.base64}`);

  it('round-trips a secret in a versioned envelope naming the key, with a fresh IV each time', () => {
    const a = ring.encrypt('whsec_c2VjcmV0', 'webhooks.secret:wh_1');
    const b = ring.encrypt('whsec_c2VjcmV0', 'webhooks.secret:wh_1');
    expect(a).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('c2VjcmV0');
    expect(isEncrypted(a)).toBe(true);
    expect(encryptionKeyIdOf(a)).toBe('k1');
    expect(ring.decrypt(a, 'webhooks.secret:wh_1')).toBe('whsec_c2VjcmV0');
    expect(ring.decrypt(b, 'webhooks.secret:wh_1')).toBe('whsec_c2VjcmV0');
    expect(ring.decrypt(ring.encrypt('', 'x'), 'x')).toBe('');
    expect(ring.decrypt(ring.encrypt('ünïcødé ✓', 'x'), 'x')).toBe('ünïcødé ✓');
  });

  it('refuses a value encrypted under another key with the same id', () => {
    const other = Keyring.parse(`k1:${randomBytes(32).toString('base64')}`);
    const sealed = other.encrypt('Bearer upstream-token', 'mcps.upstream_headers:mcp_1:authorization');
    expect(() => ring.decrypt(sealed, 'mcps.upstream_headers:mcp_1:authorization')).toThrow(DecryptionError);
  });

  it('refuses a value whose IV, ciphertext or tag had one bit changed', () => {
    const context = 'webhooks.secret:wh_1';
    const sealed = ring.encrypt('whsec_c2VjcmV0LXNpZ25pbmc', context);
    for (const altered of [tamper(sealed, 3, 0), tamper(sealed, 4, 0), tamper(sealed, 4, -1)]) {
      expect(altered).not.toBe(sealed);
      expect(() => ring.decrypt(altered, context)).toThrow(DecryptionError);
    }
    // Truncated (tag cut off) and plainly not an envelope.
    expect(() => ring.decrypt(sealed.slice(0, -8), context)).toThrow(DecryptionError);
    expect(() => ring.decrypt('whsec_c2VjcmV0', context)).toThrow(DecryptionError);
  });

  it('binds a value to its row: copied to another row, column or header it does not decrypt', () => {
    const sealed = ring.encrypt('Bearer upstream-token', 'mcps.upstream_headers:mcp_1:authorization');
    expect(() => ring.decrypt(sealed, 'mcps.upstream_headers:mcp_2:authorization')).toThrow(
      /mcp_2:authorization: authentication failed/,
    );
    expect(() => ring.decrypt(sealed, 'mcps.upstream_headers:mcp_1:x-api-key')).toThrow(DecryptionError);
    expect(() => ring.decrypt(sealed, 'webhooks.secret:mcp_1')).toThrow(DecryptionError);
    // Relabelling the envelope with another key id of the ring fails too (the id is authenticated).
    const both = Keyring.parse(`k2:${k1.base64},k1:${k1.base64}`);
    const relabelled = both.encrypt('v', 'ctx').replace('enc:v1:k2:', 'enc:v1:k1:');
    expect(() => both.decrypt(relabelled, 'ctx')).toThrow(DecryptionError);
  });

  it('rotates: the new first key encrypts, the old one still decrypts, and without it old values fail', () => {
    const context = 'webhooks.secret:wh_9';
    const old = ring.encrypt('whsec_b2xk', context);
    const rotated = Keyring.parse(`${k2.id}:${k2.base64},${k1.id}:${k1.base64}`);
    expect(rotated.primaryKeyId).toBe('k2');
    expect(rotated.keyIds).toEqual(['k2', 'k1']);
    expect(rotated.decrypt(old, context)).toBe('whsec_b2xk');
    const fresh = rotated.encrypt('whsec_bmV3', context);
    expect(encryptionKeyIdOf(fresh)).toBe('k2');

    const moved = rotated.reencrypt(old, context);
    expect(moved.changed).toBe(true);
    expect(encryptionKeyIdOf(moved.value)).toBe('k2');
    expect(rotated.reencrypt(moved.value, context)).toEqual({ value: moved.value, changed: false });

    const newOnly = Keyring.parse(`${k2.id}:${k2.base64}`);
    expect(newOnly.decrypt(moved.value, context)).toBe('whsec_b2xk');
    expect(() => newOnly.decrypt(old, context)).toThrow(/key "k1", which is not in PLEXMCP_ENCRYPTION_KEYS/);
  });

  it('encrypts plaintext values from before encryption and leaves envelopes alone', () => {
    const first = ring.encryptIfPlaintext('whsec_cGxhaW4', 'webhooks.secret:wh_1');
    expect(first.changed).toBe(true);
    expect(ring.decrypt(first.value, 'webhooks.secret:wh_1')).toBe('whsec_cGxhaW4');
    expect(ring.encryptIfPlaintext(first.value, 'webhooks.secret:wh_1')).toEqual({
      value: first.value,
      changed: false,
    });
    const fromPlain = ring.reencrypt('Bearer plain', 'ctx');
    expect(fromPlain.changed).toBe(true);
    expect(ring.decrypt(fromPlain.value, 'ctx')).toBe('Bearer plain');
  });

  it('accepts standard and URL-safe base64 and never shows key material in JSON or inspect', () => {
    const bytes = Buffer.alloc(32, 0xfb);
    const a = Keyring.parse(`a:${bytes.toString('base64')}`);
    const sameKeyUrlSafe = Keyring.parse(` a:${bytes.toString('base64url').replace(/=+$/, '')} `);
    expect(sameKeyUrlSafe.decrypt(a.encrypt('x', 'c'), 'c')).toBe('x');
    expect(JSON.stringify(a)).toBe('{"primary_key_id":"a","key_ids":["a"]}');
    expect(inspect(a)).not.toContain(bytes.toString('base64').slice(0, 10));
    expect(inspect({ config: a })).toContain('primary: a');
  });

  it('names the variable and what is wrong, without echoing the key material', () => {
    const problems = (text: string | undefined): string => {
      try {
        Keyring.parse(text);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    const short = randomBytes(16).toString('base64');
    expect(problems(undefined)).toMatch(/PLEXMCP_ENCRYPTION_KEYS: required.*openssl rand -base64 32/);
    expect(problems('  ')).toContain('PLEXMCP_ENCRYPTION_KEYS: required');
    const tooShort = problems(`k1:${short}`);
    expect(tooShort).toContain('PLEXMCP_ENCRYPTION_KEYS: key "k1" is 16 bytes; it must be exactly 32');
    expect(tooShort).not.toContain(short);
    expect(problems(`k1:${k1.base64},k1:${k2.base64}`)).toContain('key id "k1" appears twice');
    expect(problems(k1.base64)).toContain('entry 1 must be id:base64');
    expect(problems(`bad id:${k1.base64}`)).toContain('entry 1: the key id must be');
    expect(problems(`k1:not*base64`)).toContain('key "k1" is not valid base64');
    expect(problems(`k1:${k1.base64},`)).toContain('entry 2 must be id:base64');
  });

  it('as a config schema: required, parsed, and reported under the variable name', () => {
    const schema = z.object({ PLEXMCP_ENCRYPTION_KEYS: encryptionKeysSchema });
    expect(() => loadConfig(schema, {})).toThrow(
      /PLEXMCP_ENCRYPTION_KEYS: required.*openssl rand -base64 32/,
    );
    expect(() => loadConfig(schema, { PLEXMCP_ENCRYPTION_KEYS: 'k1:abc' })).toThrow(
      /PLEXMCP_ENCRYPTION_KEYS: key "k1" is 2 bytes/,
    );
    const config = loadConfig(schema, {
      PLEXMCP_ENCRYPTION_KEYS: `${k2.id}:${k2.base64},${k1.id}:${k1.base64}`,
    });
    expect(config.PLEXMCP_ENCRYPTION_KEYS).toBeInstanceOf(Keyring);
    expect(config.PLEXMCP_ENCRYPTION_KEYS.primaryKeyId).toBe('k2');
  });

  it('generates entries the parser accepts', () => {
    const generated = Keyring.generateEntry('k-2026_01');
    expect(Keyring.parse(generated).primaryKeyId).toBe('k-2026_01');
    expect(() => Keyring.generateEntry('no spaces')).toThrow();
  });
});

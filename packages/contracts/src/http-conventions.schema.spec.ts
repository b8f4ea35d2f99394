import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { idempotencyKeySchema, requestIdHeaderSchema } from './index.js';

describe('Idempotency-Key header', () => {
  it('takes 1–255 visible ASCII characters (UUIDs, ULIDs, prefixed ids)', () => {
    for (const key of [randomUUID(), '01HZX3V7Q8', 'order-42:retry', 'x'.repeat(255), '!~']) {
      expect(idempotencyKeySchema.safeParse(key).success).toBe(true);
    }
  });

  it('refuses empty, too long, spaces, control and non-ASCII characters', () => {
    for (const key of ['', 'x'.repeat(256), 'a b', 'a\tb', 'a\r\nb', 'clé', 'a\u0000b']) {
      expect(idempotencyKeySchema.safeParse(key).success).toBe(false);
    }
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (s) => {
        const ok = idempotencyKeySchema.safeParse(s).success;
        expect(ok).toBe([...s].every((c) => c >= '!' && c <= '~'));
      }),
      { seed: 20_261_203 },
    );
  });
});

describe('X-Request-Id header kept from a client', () => {
  it('takes ids of 1–128 safe characters', () => {
    for (const id of [randomUUID(), 'req_abc', 'Zm9vYmFy+/=', 'trace:1.2~3', 'x'.repeat(128)]) {
      expect(requestIdHeaderSchema.safeParse(id).success).toBe(true);
    }
  });

  it('refuses anything that could break or forge a log line', () => {
    for (const id of ['', 'x'.repeat(129), 'a b', 'a\nb', '"quoted"', '<script>', 'a,b', 'a;b', 'é']) {
      expect(requestIdHeaderSchema.safeParse(id).success).toBe(false);
    }
  });
});

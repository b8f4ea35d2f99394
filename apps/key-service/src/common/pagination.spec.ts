import { describe, expect, it } from '@jest/globals';
import { AppError } from '@plexmcp/contracts';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

describe('cursor pagination', () => {
  it('round-trips a cursor', () => {
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: 'key_abcdefgh' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeNull();
  });

  it.each([
    'not base64 json',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["nope","x"]').toString('base64url'),
  ])('refuses a forged cursor %s with a validation error on page.cursor', (text) => {
    let error: unknown;
    try {
      decodeCursor(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details).toEqual([{ field: 'page.cursor', message: 'invalid cursor' }]);
  });

  it('gives a next cursor only when more rows exist', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `k${n}`, createdAt: new Date(n * 1000) }));
    const full = toPage(rows, 2, (r) => r.id);
    expect(full.items).toEqual(['k1', 'k2']);
    expect(decodeCursor(full.next_cursor!)).toEqual({ id: 'k2', createdAt: new Date(2000) });
    expect(toPage(rows, 3, (r) => r.id).next_cursor).toBeNull();
  });
});

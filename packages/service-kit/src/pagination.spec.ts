import { describe, expect, it } from '@jest/globals';
import { AppError } from '@plexmcp/contracts';
import { type Cursor, decodeCursor, encodeCursor, toPage } from './pagination.js';

function validationField(text: string, field?: string): unknown {
  try {
    decodeCursor(text, field);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).details;
  }
  throw new Error(`cursor ${text} was accepted`);
}

describe('cursor codec', () => {
  const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: 'key_abcdefgh' };

  it('round-trips a cursor; no cursor is the first page', () => {
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it('keeps the key-service wire format: base64url of ["iso", "id"]', () => {
    const issued = Buffer.from('["2026-01-02T03:04:05.678Z","key_abcdefgh"]').toString('base64url');
    expect(encodeCursor(cursor)).toBe(issued);
  });

  it('still reads the usage-service cursors clients hold: base64url of "iso|id"', () => {
    const issued = Buffer.from('2026-01-02T03:04:05.678Z|alert_abc').toString('base64url');
    expect(decodeCursor(issued)).toEqual({ createdAt: cursor.createdAt, id: 'alert_abc' });
  });

  it.each([
    'not base64 json',
    'bm9wZQ',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["nope","x"]').toString('base64url'),
    Buffer.from('["2026-01-02T03:04:05.678Z"]').toString('base64url'),
    Buffer.from('2026-01-02T03:04:05.678Z|').toString('base64url'),
    Buffer.from('yesterday|alert_abc').toString('base64url'),
    Buffer.from(JSON.stringify(['2026-01-02T03:04:05.678Z', 'x'.repeat(101)])).toString('base64url'),
  ])('refuses the forged cursor %s with a validation error on its field', (text) => {
    expect(validationField(text)).toEqual([{ field: 'page.cursor', message: 'invalid cursor' }]);
    expect(validationField(text, 'cursor')).toEqual([{ field: 'cursor', message: 'invalid cursor' }]);
  });
});

describe('toPage', () => {
  const rows = [1, 2, 3].map((n) => ({ id: `k${n}`, at: new Date(n * 1000) }));
  const position = (r: { id: string; at: Date }): Cursor => ({ createdAt: r.at, id: r.id });

  it('shows `limit` rows and points the next cursor after the last one shown', () => {
    const page = toPage(rows, 2, (r) => r.id, position);
    expect(page.items).toEqual(['k1', 'k2']);
    expect(decodeCursor(page.next_cursor!)).toEqual({ id: 'k2', createdAt: new Date(2000) });
  });

  it('has no next cursor when no row is left over', () => {
    expect(toPage(rows, 3, (r) => r.id, position)).toEqual({ items: ['k1', 'k2', 'k3'], next_cursor: null });
    expect(toPage([], 3, (r) => r, position)).toEqual({ items: [], next_cursor: null });
  });
});

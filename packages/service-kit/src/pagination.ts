import { AppError, ErrorCode, type Page } from '@plexmcp/contracts';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** Position after the last item of a page: newest first (created_at DESC, id DESC), ties broken by id. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of the JSON `[created_at ISO, id]`. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

/**
 * Reads a cursor of {@link encodeCursor}, and the `created_at ISO|id` form the usage-service
 * issued before, so cursors clients still hold keep working. No cursor (absent or empty) is the
 * first page; anything else unreadable is a validation error on `field`.
 */
export function decodeCursor(text: string | undefined, field = 'page.cursor'): Cursor | null {
  if (text === undefined || text === '') return null;
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  const parts = raw.startsWith('[') ? jsonParts(raw) : raw.split('|');
  const [iso, id] = parts ?? [];
  const createdAt = typeof iso === 'string' ? new Date(iso) : new Date(NaN);
  if (
    parts?.length !== 2 ||
    typeof id !== 'string' ||
    id.length === 0 ||
    id.length > 100 ||
    Number.isNaN(createdAt.getTime())
  ) {
    throw new AppError(ErrorCode.ValidationError, 'Request validation failed', {
      details: [{ field, message: 'invalid cursor' }],
    });
  }
  return { createdAt, id };
}

function jsonParts(raw: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The position of a row read with its column names (raw SQL rows). */
export function rowPosition(row: { created_at: Date; id: string }): Cursor {
  return { createdAt: row.created_at, id: row.id };
}

/**
 * Repositories fetch `limit + 1` rows; this trims them to the page and derives the next cursor
 * from the last row shown (`position` reads its created_at and id).
 */
export function toPage<R extends Cursor, V>(rows: readonly R[], limit: number, view: (row: R) => V): Page<V>;
export function toPage<R, V>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => V,
  position: (row: R) => Cursor,
): Page<V>;
export function toPage<R, V>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => V,
  position: (row: R) => Cursor = (row) => row as Cursor,
): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(view),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}

/**
 * The query half of a page: `qb` (aliased, already filtered) newest first, starting just after
 * `after`, at most `rows` rows — one more than the page shows, so `toPage` knows whether another
 * page exists. The alias's table needs `created_at` and `id` columns.
 */
export function keysetPage<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  after: Cursor | null,
  rows: number,
): SelectQueryBuilder<E> {
  const a = qb.alias;
  if (after) {
    qb.andWhere(`(${a}.created_at, ${a}.id) < (:afterCreatedAt, :afterId)`, {
      afterCreatedAt: after.createdAt,
      afterId: after.id,
    });
  }
  return qb.orderBy(`${a}.created_at`, 'DESC').addOrderBy(`${a}.id`, 'DESC').limit(rows);
}

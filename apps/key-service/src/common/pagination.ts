import { AppError, ErrorCode, type Page } from '@plexmcp/contracts';

/** Position after the last item of a page: newest first, ties broken by id. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of `[created_at ISO, id]`. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined, field = 'page.cursor'): Cursor | null {
  if (text === undefined) return null;
  const invalid = () =>
    new AppError(ErrorCode.ValidationError, 'Request validation failed', {
      details: [{ field, message: 'invalid cursor' }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [iso, id] = parsed as unknown[];
  if (typeof iso !== 'string' || typeof id !== 'string' || id.length > 100) throw invalid();
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id };
}

/** Repositories fetch `limit + 1` rows; this trims them and derives the next cursor. */
export function toPage<R extends { createdAt: Date; id: string }, V>(
  rows: R[],
  limit: number,
  view: (row: R) => V,
): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(view),
    next_cursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

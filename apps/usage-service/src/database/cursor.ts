import { AppError, ErrorCode } from '@plexmcp/contracts';

/** Opaque keyset cursor over (created_at DESC, id DESC). */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(`${row.created_at.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Cursor | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new AppError(ErrorCode.ValidationError, 'Request validation failed', {
      details: [{ field: 'cursor', message: 'invalid cursor' }],
    });
  }
  return { createdAt, id };
}

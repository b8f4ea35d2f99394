import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { z } from 'zod';

/**
 * Checks an id taken from the URL path. An id of the wrong shape names nothing, so it is
 * `not_found` — the same answer as an id of another organization (ids are opaque to callers).
 */
export function pathId(schema: z.ZodType<string>, raw: string): string {
  if (!schema.safeParse(raw).success) throw new AppError(ErrorCode.NotFound);
  return raw;
}

import { z } from 'zod';
import { ROLES, Scope } from './vocabulary.js';
import { ERROR_CODES, type ErrorDetail } from './errors.js';
import { IdPrefix, idPattern } from './ids.js';

export const orgIdSchema = z
  .string()
  .regex(idPattern(IdPrefix.Organization), 'must be an organization id (org_…)');
export const keyIdSchema = z.string().regex(idPattern(IdPrefix.Key), 'must be a key id (key_…)');
/** Who may have made something: a person (`usr_…`) or a key (`key_…`). */
export const creatorIdSchema = z
  .string()
  .regex(
    new RegExp(`${idPattern(IdPrefix.User).source}|${idPattern(IdPrefix.Key).source}`),
    'must be a user id (usr_…) or a key id (key_…)',
  );
export const mcpIdSchema = z.string().regex(idPattern(IdPrefix.Mcp), 'must be an MCP id (mcp_…)');
export const isoDateSchema = z.iso.datetime({ offset: true });
export const userIdSchema = z.string().regex(idPattern(IdPrefix.User), 'must be a user id (usr_…)');
export const sessionIdSchema = z.string().regex(idPattern(IdPrefix.Session), 'must be a session id (ses_…)');
export const roleSchema = z.enum(ROLES);

/**
 * The one refinement every free-text string of a request carries (names, descriptions, cursors,
 * URLs): no NUL character. PostgreSQL text cannot hold one (the insert fails), and no name, URL or
 * header means anything with it; refused here it is a 400 `validation_error` at the boundary.
 */
export const noNul = z.refine<string>((s) => !s.includes('\u0000'), 'must not contain NUL characters');

/**
 * For URLs: no control character and no space at all. The WHATWG URL parser silently drops tabs
 * and newlines, so a URL holding one would be stored as one thing and fetched as another.
 */
export const noControlOrSpace = z.refine<string>((s) => {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}, 'must not contain spaces or control characters');

export const nameSchema = z.string().trim().min(1).max(100).check(noNul);

export { Scope, ROLES };
export type { Role } from './vocabulary.js';
export const scopeSchema = z.enum(Scope);
export const ALL_SCOPES: readonly Scope[] = Scope;

export const modeSchema = z.enum(['live', 'test']);

/** Who performs a management call: always the calling key's own organization. */
export const actorSchema = z.strictObject({
  org_id: orgIdSchema,
  /** The calling key; null for a person (then `session_id`) or the operator (neither). */
  key_id: keyIdSchema.nullable(),
  ip: z.string().max(64).nullable(),
  /** A person signed in to the dashboard: the session they act through (its user and role). */
  session_id: sessionIdSchema.nullable().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/**
 * Who did something, as the audit log and a key's `created_by` name it: a person (`user`, shown by
 * email), a key (`key`, shown by name and prefix), or PlexMCP itself (`system`: the operator's CLI,
 * the expiry sweeper). `display` is what it was called at that moment.
 */
export const actorRefSchema = z.object({
  type: z.enum(['user', 'key', 'system']),
  id: z.string().nullable(),
  display: z.string(),
});
export type ActorRef = z.infer<typeof actorRefSchema>;

export const paginationQuerySchema = z.strictObject({
  cursor: z.string().max(200).check(noNul).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type PaginationQuery = z.infer<typeof paginationQuerySchema>;

/**
 * A management call: the actor, then what the call names (`id`, `body`, `page`…). Strict at
 * both ends, like every request.
 */
export function actorRequestSchema<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject({ actor: actorSchema, ...shape });
}

/** A plain list call (keys, webhooks, audit): the actor and the page it asks for. */
export const listRequestSchema = actorRequestSchema({ page: paginationQuerySchema });
export type ListRequest = z.infer<typeof listRequestSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Every RPC reply is this envelope, so failures cross NATS as typed codes, never as strings. */
export const rpcErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type RpcError = z.infer<typeof rpcErrorSchema>;
export type RpcReply<T> = { ok: true; data: T } | { ok: false; error: RpcError };

export function rpcReplySchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: rpcErrorSchema }),
  ]);
}

/** Turns zod issues into the `error.details` list of the envelope (field path + message). */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base, message: issue.message }];
  });
}

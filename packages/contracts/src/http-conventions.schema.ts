import { z } from 'zod';
import { orgIdSchema } from './common.schema.js';

/**
 * The gateway's HTTP conventions that cross a boundary: the request headers it validates
 * (`Idempotency-Key`, `X-Request-Id`) and the idempotency records it keeps in the key-service.
 */

/** Request header: a client's retry token on a POST (Stripe's semantics). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Response header set to `true` on an answer replayed from an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** How long a key is remembered after its first request; then it may be used again. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * How long a request holding a key may run before a retry may take the key over (its gateway
 * crashed before storing the answer). Longer than any request a gateway waits for.
 */
export const IDEMPOTENCY_LEASE_MS = 5 * 60_000;

/** 1–255 visible ASCII characters (no spaces or control characters): a UUID is the usual choice. */
export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters without spaces');

/**
 * A client's `X-Request-Id` the gateway keeps (echoes, logs, forwards upstream): 1–128 characters
 * of `A-Z a-z 0-9 . _ ~ : + / = -` (UUIDs, ULIDs, base64 ids). Anything else is replaced by an id
 * of the gateway's own, so nothing a client sends can forge or break a log line.
 */
export const requestIdHeaderSchema = z.string().regex(/^[A-Za-z0-9._~:+/=-]{1,128}$/);

/** SHA-256 (hex) of what the request asked: method, route, path parameters and body. */
const fingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/);

const recordRef = {
  org_id: orgIdSchema,
  key: idempotencyKeySchema,
  fingerprint: fingerprintSchema,
};

/** `idempotency.begin`: claim the key for this request, or learn what became of it. */
export const beginIdempotencyRequestSchema = z.strictObject(recordRef);
export type BeginIdempotencyRequest = z.infer<typeof beginIdempotencyRequestSchema>;

export const idempotencyBeginReplySchema = z.discriminatedUnion('state', [
  /** The key is this request's now: run it, then `complete` (or `release` on a 5xx). */
  z.object({ state: z.literal('started') }),
  /** A request with the same key and fingerprint is still running: 409. */
  z.object({ state: z.literal('in_progress') }),
  /** The key was used for a different request (method, route or body): 409. */
  z.object({ state: z.literal('mismatch') }),
  /** The first request's answer, to be replayed as it was. */
  z.object({
    state: z.literal('completed'),
    status: z.number().int().min(100).max(599),
    body: z.string(),
  }),
]);
export type IdempotencyBeginReply = z.infer<typeof idempotencyBeginReplySchema>;

/** `idempotency.complete`: the answer of the request that holds the key (stored encrypted). */
export const completeIdempotencyRequestSchema = z.strictObject({
  ...recordRef,
  status: z.number().int().min(100).max(499),
  body: z.string(),
});
export type CompleteIdempotencyRequest = z.infer<typeof completeIdempotencyRequestSchema>;

/** `idempotency.release`: the request failed on the server's side; a retry may run it again. */
export const releaseIdempotencyRequestSchema = z.strictObject(recordRef);
export type ReleaseIdempotencyRequest = z.infer<typeof releaseIdempotencyRequestSchema>;

export const idempotencyDoneReplySchema = z.object({ done: z.boolean() });
export type IdempotencyDoneReply = z.infer<typeof idempotencyDoneReplySchema>;

/**
 * The Idempotency-Key claim a request holds (its organization is the call's actor), passed with an
 * RPC whose service stores the request's answer itself, in the transaction of its write
 * (`keys.create`, `keys.rotate`, `mcps.create`). The write then commits only while the claim is
 * still held, and with its answer stored: a gateway that timed out waiting (and released the key)
 * can never lead a retry to run it twice — the retry gets the stored answer instead.
 */
export const heldIdempotencyKeySchema = z.strictObject({
  key: idempotencyKeySchema,
  fingerprint: fingerprintSchema,
});
export type HeldIdempotencyKey = z.infer<typeof heldIdempotencyKeySchema>;

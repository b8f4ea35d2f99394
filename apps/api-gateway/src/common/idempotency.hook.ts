import { createHash } from 'node:crypto';
import {
  AppError,
  ErrorCode,
  type HeldIdempotencyKey,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  type IdempotencyBeginReply,
  Subjects,
  idempotencyBeginReplySchema,
  idempotencyDoneReplySchema,
  idempotencyKeySchema,
  zodDetails,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { JSON_CONTENT_TYPE, NO_STORE, sendError } from './envelope.js';
import '../auth/request-context.js';
import { routeConfigOf } from '../auth/route-access.js';

/** The record a request holds while it runs: what `complete`/`release` name. */
interface HeldKey {
  org_id: string;
  key: string;
  fingerprint: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed (its answer is stored when it ends), or null. */
    idempotency: HeldKey | null;
  }
}

const IN_PROGRESS = 'A request with this Idempotency-Key is still in progress; retry once it has finished';
const MISMATCH =
  'This Idempotency-Key was already used for a different request (method, path or body); use a new key';

/**
 * `Idempotency-Key` on every authenticated POST (Stripe's semantics), for every gateway instance
 * alike: the records live in the key-service, per organization. The first request with a key
 * claims it (`preHandler`, after authentication and body parsing); its answer — any status below
 * 500 — is stored encrypted before it is sent (`onSend`). Within 24 h, the same key with the same
 * request from the same API key (method, route, path parameters, JSON body) gets that answer
 * again, status and body identical, with `Idempotent-Replayed: true`; with a different request (or
 * from another key of the organization) it is a 409 `conflict`, as
 * is a retry while the first still runs. A 5xx releases the key, so a retry runs the request
 * again. The MCP endpoint (`mcpProxy` routes: streamed JSON-RPC, which has its own ids) is exempt.
 * A key-service that does not answer is a 503: the request does not run unprotected.
 */
export function createIdempotencyHooks(rpc: NatsRpcClient, logger: Logger) {
  const claim = async (
    request: FastifyRequest,
    reply: FastifyReply,
    orgId: string,
    keyId: string,
    header: string | string[],
  ): Promise<void> => {
    const parsed = idempotencyKeySchema.safeParse(header);
    if (!parsed.success) {
      const details = zodDetails(parsed.error).map((d) => ({ ...d, field: 'Idempotency-Key' }));
      sendError(
        reply,
        new AppError(ErrorCode.ValidationError, 'Invalid Idempotency-Key header', { details }),
        request.requestId,
      );
      return;
    }
    const held: HeldKey = {
      org_id: orgId,
      key: parsed.data,
      fingerprint: fingerprintOf(request, keyId),
    };
    let outcome: IdempotencyBeginReply;
    try {
      outcome = await rpc.call(Subjects.idempotency.begin, held, idempotencyBeginReplySchema);
    } catch (err) {
      sendError(
        reply,
        err instanceof AppError ? err : new AppError(ErrorCode.ServiceUnavailable),
        request.requestId,
      );
      return;
    }
    switch (outcome.state) {
      case 'started':
        request.idempotency = held;
        return;
      case 'in_progress':
        sendError(reply, new AppError(ErrorCode.Conflict, IN_PROGRESS), request.requestId);
        return;
      case 'mismatch':
        sendError(reply, new AppError(ErrorCode.Conflict, MISMATCH), request.requestId);
        return;
      case 'completed':
        reply.code(outcome.status);
        reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        // A stored answer may hold a secret shown once (a created or rotated key).
        reply.header('cache-control', NO_STORE);
        reply.type(JSON_CONTENT_TYPE);
        void reply.send(outcome.body);
        return;
    }
  };

  /** Stores (or, on a 5xx, releases) the answer before it leaves, so a retry never sees it missing. */
  const settle = async (request: FastifyRequest, reply: FastifyReply, held: HeldKey, payload: unknown) => {
    const status = reply.statusCode;
    try {
      if (status < 500 && typeof payload === 'string') {
        await rpc.call(
          Subjects.idempotency.complete,
          { ...held, status, body: payload },
          idempotencyDoneReplySchema,
        );
      } else {
        await rpc.call(Subjects.idempotency.release, held, idempotencyDoneReplySchema);
      }
    } catch (err) {
      // The request has run: its answer still goes out. A retry sees the key in progress until the
      // lease ends (IDEMPOTENCY_LEASE_MS), then runs again.
      logger.warn({ err, request_id: request.requestId, status }, 'could not store an idempotent answer');
    }
  };

  // Callback hooks with a synchronous way out: most requests are not an idempotent POST.
  const preHandler = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = request.method === 'POST' ? request.headers[IDEMPOTENCY_KEY_HEADER] : undefined;
    const auth = request.auth;
    if (header === undefined || auth === null || routeConfigOf(request).mcpProxy === true) {
      done();
      return;
    }
    // A claimed key lets the request go on; any other outcome has already been answered.
    claim(request, reply, auth.policy.org_id, auth.policy.key_id, header).then(
      () => {
        if (!reply.sent) done();
      },
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  };

  const onSend = (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (err: Error | null, payload?: unknown) => void,
  ): void => {
    const held = request.idempotency;
    if (held === null) {
      done(null, payload);
      return;
    }
    request.idempotency = null;
    void settle(request, reply, held, payload).then(() => done(null, payload));
  };

  return { preHandler, onSend };
}

/**
 * The claim this request holds, as the `idempotency` field of a call whose service stores the
 * answer in the transaction of its write (`keys.create`, `keys.rotate`, `mcps.create`: see
 * `heldIdempotencyKeySchema`); no field without one.
 */
export function idempotencyClaim(request: FastifyRequest): { idempotency?: HeldIdempotencyKey } {
  const held = request.idempotency;
  return held === null ? {} : { idempotency: { key: held.key, fingerprint: held.fingerprint } };
}

/**
 * What the request asked and who asked it: the calling key, method, route template, path
 * parameters and JSON body (as parsed, so whitespace does not matter; property order does). The
 * caller is part of it so that another key of the organization — perhaps with a narrower grant —
 * is never handed a stored answer (which may hold a new key's secret). Hashed: the key-service
 * never sees the body.
 */
export function idempotencyFingerprint(
  keyId: string,
  method: string,
  route: string,
  params: unknown,
  body: unknown,
): string {
  return createHash('sha256')
    .update(`${keyId}\n${method}\n${route}\n${JSON.stringify(params ?? {})}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

function fingerprintOf(request: FastifyRequest, keyId: string): string {
  return idempotencyFingerprint(
    keyId,
    request.method,
    routeConfigOf(request).url ?? request.url,
    request.params,
    request.body,
  );
}

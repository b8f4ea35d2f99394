import {
  type AppError,
  type ErrorCode,
  type ErrorEnvelope,
  type Page,
  type SuccessEnvelope,
  successEnvelope,
} from '@plexmcp/contracts';
import type { FastifyReply } from 'fastify';

/** `{"success": true, "data": …}` (contracts' `successEnvelope`: the key-service stores replays with it). */
export const ok: <T>(data: T) => SuccessEnvelope<T> = successEnvelope;

/** The Content-Type of every JSON answer the gateway writes itself. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * `Cache-Control` of an answer no cache — browser, proxy or CDN — may keep a copy of: one that
 * carries a secret shown once (a new or rotated key, a webhook's signing secret), every replayed
 * Idempotency-Key answer, and the dashboard's session and account answers.
 */
export const NO_STORE = 'no-store';

/** A list: `{"success": true, "data": [...], "pagination": {"next_cursor": …}}` */
export function page<T>(result: Page<T>): SuccessEnvelope<T[]> {
  return { success: true, data: result.items, pagination: { next_cursor: result.next_cursor } };
}

export function errorEnvelope(error: AppError, requestId: string | undefined): ErrorEnvelope {
  return { success: false, error: error.toBody(requestId) };
}

/**
 * Serializes the error envelope by hand for the common case (no details): the auth hook sends many
 * of these and JSON.stringify of a nested object is the larger part of their cost.
 */
export function serializeError(error: AppError, requestId: string | undefined): string {
  return JSON.stringify(errorEnvelope(error, requestId));
}

/** Sends the SPEC §3 envelope from a Fastify hook or raw handler (outside Nest's filter). */
export function sendError(
  reply: FastifyReply,
  error: AppError,
  requestId: string | undefined,
  headers?: Readonly<Record<string, string>>,
): FastifyReply {
  reply.request.errorCode = error.code;
  reply.request.errorCause = error.cause ?? null;
  reply.code(error.status);
  if (error.headers) reply.headers(error.headers);
  if (headers) reply.headers(headers);
  reply.type(JSON_CONTENT_TYPE);
  return reply.send(serializeError(error, requestId));
}

/** The wire code for an HTTP status coming from the framework (Fastify/Nest built-in errors). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'validation_error';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
    case 405:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    case 502:
      return 'upstream_error';
    case 503:
      return 'service_unavailable';
    case 504:
      return 'upstream_timeout';
    default:
      return status >= 400 && status < 500 ? 'validation_error' : 'internal_error';
  }
}

import { HttpException } from '@nestjs/common';
import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { Logger } from 'pino';
import { codeForStatus } from './envelope.js';

/** Messages for the framework's own 4xx errors (Fastify's body parsing and router). */
const FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: request bodies must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_BAD_URL: 'Malformed URL',
};

interface StatusCarrier {
  statusCode?: unknown;
  status?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * Turns anything thrown into an AppError. Typed errors keep their code; framework errors (Nest
 * HttpException, Fastify's body-limit/JSON errors) keep their status class with our default
 * message; anything else is logged and becomes a 500 `internal_error` without internals.
 */
export function toAppError(err: unknown, logger: Logger, requestId: string | undefined): AppError {
  if (err instanceof AppError) return err;
  // Nest wraps Fastify's own 4xx errors (body parsing, router) in an HttpException with the
  // original as `cause`: answer from the original, which says what was wrong.
  const framework = err instanceof HttpException ? frameworkError(err.cause) : frameworkError(err);
  if (framework !== null) return framework;
  if (err instanceof HttpException) {
    const code = codeForStatus(err.getStatus());
    if (code === ErrorCode.InternalError)
      logger.error({ err, request_id: requestId }, 'unhandled HTTP exception');
    return new AppError(code);
  }
  logger.error({ err, request_id: requestId }, 'unhandled error');
  return new AppError(ErrorCode.InternalError);
}

/** A framework error with a 4xx status, as an AppError; null for anything else. */
function frameworkError(err: unknown): AppError | null {
  const carrier = (err ?? {}) as StatusCarrier;
  const status = typeof carrier.statusCode === 'number' ? carrier.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return null;
  if (carrier.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || carrier.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError(ErrorCode.ValidationError, FRAMEWORK_MESSAGES[carrier.code], {
      details: [{ field: '', message: 'invalid JSON' }],
    });
  }
  // An unsupported media type is a bad request like any other (400 validation_error, not 415).
  const message = typeof carrier.code === 'string' ? FRAMEWORK_MESSAGES[carrier.code] : undefined;
  if (message !== undefined) return new AppError(ErrorCode.ValidationError, message);
  return new AppError(codeForStatus(status));
}

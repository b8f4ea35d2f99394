import { HttpException } from '@nestjs/common';
import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { Logger } from 'pino';
import { codeForStatus } from './envelope.js';

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
  if (err instanceof HttpException) {
    const code = codeForStatus(err.getStatus());
    if (code === ErrorCode.InternalError)
      logger.error({ err, request_id: requestId }, 'unhandled HTTP exception');
    return new AppError(code);
  }
  const carrier = (err ?? {}) as StatusCarrier;
  const status = typeof carrier.statusCode === 'number' ? carrier.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    if (carrier.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || carrier.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return new AppError(ErrorCode.ValidationError, 'Request body is not valid JSON', {
        details: [{ field: '', message: 'invalid JSON' }],
      });
    }
    return new AppError(codeForStatus(status));
  }
  logger.error({ err, request_id: requestId }, 'unhandled error');
  return new AppError(ErrorCode.InternalError);
}

import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { sendError } from './envelope.js';
import { toAppError } from './to-app-error.js';

/**
 * The one place a Nest route's failure becomes the error envelope
 * (`{"success": false, "error": {code, message, request_id}}`; see `@plexmcp/contracts` errors).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toAppError(exception, this.logger, request.requestId);
    if (reply.sent) return;
    sendError(reply, error, request.requestId);
  }
}

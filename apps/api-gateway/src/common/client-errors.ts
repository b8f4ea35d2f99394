import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, ErrorCode } from '@plexmcp/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { JSON_CONTENT_TYPE, sendError, serializeError } from './envelope.js';
import { requestIdOf, requestIds } from './request-id.js';
import type { AnswerHeaders } from './security-headers.js';
import { toAppError } from './to-app-error.js';

/** How long a refused connection may keep sending (its rest is read and dropped) before it is cut. */
const DRAIN_MS = 2_000;

interface ClientErrorAnswer {
  status: number;
  reason: string;
  error: AppError;
}

/**
 * What the error envelope says for an error Node's HTTP parser raised before any request
 * existed. Node's own answers (431, 400, 408, 413) are kept as statuses; the code is the closest
 * wire code (a 431 is a `payload_too_large`: the headers, not the body, are over the limit).
 */
function clientErrorAnswer(code: string | undefined): ClientErrorAnswer {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: 'Request Header Fields Too Large',
        error: new AppError(ErrorCode.PayloadTooLarge, 'Request headers are too large'),
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        reason: 'Payload Too Large',
        error: new AppError(ErrorCode.PayloadTooLarge, 'Chunk extensions are too large'),
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        reason: 'Request Timeout',
        error: new AppError(ErrorCode.ValidationError, 'The request was not received in time'),
      };
    default:
      return {
        status: 400,
        reason: 'Bad Request',
        error: new AppError(ErrorCode.ValidationError, 'Malformed HTTP request'),
      };
  }
}

function headerBlock(headers: Readonly<Record<string, string>>): string {
  let out = '';
  for (const name in headers) out += `${name}: ${headers[name]}\r\n`;
  return out;
}

/**
 * Fastify's `clientErrorHandler` (Node's `clientError` event): a request Node could not parse
 * (oversized headers, a broken request line, NUL or a bare CR in a header, conflicting lengths)
 * is answered with the envelope, a fresh X-Request-Id and the security headers, instead of Node's
 * or Fastify's bare text. The connection is closed: after a parse error the stream cannot be
 * trusted. What the client still sends is read and dropped for a moment first, so the close does
 * not turn into a reset that destroys the answer before the client reads it.
 */
export function createClientErrorHandler(securityHeaders: Readonly<Record<string, string>>) {
  const fixed = headerBlock(securityHeaders);
  return function onClientError(err: Error & { code?: string }, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A response of this connection already on the wire: another one would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || (inFlight !== null && inFlight !== undefined && inFlight.headersSent)) {
      socket.destroy();
      return;
    }
    const { status, reason, error } = clientErrorAnswer(err.code);
    const requestId = requestIds.next();
    const body = serializeError(error, requestId);
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\n` +
        fixed +
        `x-request-id: ${requestId}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('end', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
  };
}

/**
 * Node's `checkExpectation` event: an `Expect` other than `100-continue` cannot be met (RFC 9110
 * §10.1.1). Answered 417 with the envelope instead of Node's empty 417. (`100-continue` itself is
 * answered by Node with `100 Continue`, and the proxy never forwards `Expect` upstream.)
 */
export function createExpectationHandler(answerHeaders: AnswerHeaders) {
  return function onCheckExpectation(_req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIds.next();
    const body = serializeError(
      new AppError(ErrorCode.ValidationError, 'Unsupported Expect header: only 100-continue is supported'),
      requestId,
    );
    const head = answerHeaders.head(requestId);
    head.push(
      'content-type',
      JSON_CONTENT_TYPE,
      'content-length',
      Buffer.byteLength(body),
      'connection',
      'close',
    );
    res.writeHead(417, head);
    res.end(body);
  };
}

/**
 * Fastify's `frameworkErrors`: the router refuses a malformed URL (bad percent-encoding) before
 * any hook runs, so the request id and security headers are stamped here, then the envelope.
 */
export function createFrameworkErrorHandler(answerHeaders: AnswerHeaders, logger: Logger) {
  return function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const requestId = requestIdOf(request.headers['x-request-id']);
    request.requestId = requestId;
    answerHeaders.stamp(reply, requestId);
    sendError(reply, toAppError(error, logger, requestId), requestId);
  };
}

import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { AppError, ErrorCode, generateApiKey } from '@plexmcp/contracts';
import { createLogger } from '@plexmcp/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from './envelope.js';
import { createResponseLogger } from './response-logger.hook.js';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('gateway-test', 'info', 'json', destination), output: () => chunks.join('') };
}

/** What the hook reads of a request the gateway answered with `error` (as sendError records it). */
function answered(error: AppError): { request: FastifyRequest; reply: FastifyReply } {
  const request = {
    requestId: 'req_7',
    method: 'GET',
    url: '/v1/me',
    routeConfig: { url: '/v1/me' },
    errorCode: error.code,
    errorCause: error.cause ?? null,
    auth: null,
    mcpId: null,
  } as unknown as FastifyRequest;
  const reply = { statusCode: error.status, elapsedTime: 1.5 } as unknown as FastifyReply;
  return { request, reply };
}

describe('the error response log line', () => {
  it('carries the cause of a 503 (keys scrubbed) while the envelope carries only code and message', () => {
    const key = generateApiKey('live');
    const cause = new Error(`TIMEOUT waiting on keys.validate for ${key}`);
    const error = new AppError(ErrorCode.ServiceUnavailable, undefined, { cause });
    const { logger, output } = capturingLogger();
    const { request, reply } = answered(error);

    createResponseLogger(logger, { accessLog: true })(request, reply, () => undefined);

    const line = JSON.parse(output()) as { level: number; request_id: string; err: { message: string } };
    expect(line).toMatchObject({ level: 50, request_id: 'req_7' });
    expect(line.err.message).toContain('TIMEOUT waiting on keys.validate');
    expect(output()).not.toContain(key);

    const wire = JSON.stringify(errorEnvelope(error, 'req_7'));
    expect(wire).not.toContain('TIMEOUT');
    const envelope = JSON.parse(wire) as { error: Record<string, unknown> };
    expect(Object.keys(envelope.error).sort()).toEqual(['code', 'message', 'request_id']);
  });

  it('never logs a cause for a 4xx', () => {
    const error = new AppError(ErrorCode.NotFound, undefined, { cause: new Error('row missing') });
    const { logger, output } = capturingLogger();
    const { request, reply } = answered(error);
    createResponseLogger(logger, { accessLog: true })(request, reply, () => undefined);
    expect(output()).not.toContain('row missing');
  });

  it('gives a successful answer its info line with the request id, but not a probe or with ACCESS_LOG off', () => {
    const ok = (url: string) =>
      ({
        request: {
          ...answered(new AppError(ErrorCode.NotFound)).request,
          routeConfig: { url },
        } as FastifyRequest,
        reply: { statusCode: 200, elapsedTime: 0.8 } as unknown as FastifyReply,
      }) as const;
    const on = capturingLogger();
    const me = ok('/v1/me');
    createResponseLogger(on.logger, { accessLog: true })(me.request, me.reply, () => undefined);
    const probe = ok('/healthz');
    createResponseLogger(on.logger, { accessLog: true })(probe.request, probe.reply, () => undefined);
    const lines = on
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, request_id: 'req_7', route: '/v1/me', status: 200 });

    // A request id is the client's to choose: one shaped like a key is scrubbed from the line.
    const key = generateApiKey('live');
    const chosen = { ...me, request: { ...me.request, requestId: key } as FastifyRequest };
    const scrubbed = capturingLogger();
    createResponseLogger(scrubbed.logger, { accessLog: true })(chosen.request, chosen.reply, () => undefined);
    expect(scrubbed.output()).not.toContain(key.slice(8));
    expect(JSON.parse(scrubbed.output())).toMatchObject({ request_id: 'pk_live_[REDACTED]', status: 200 });

    const off = capturingLogger();
    createResponseLogger(off.logger, { accessLog: false })(me.request, me.reply, () => undefined);
    expect(off.output()).toBe('');
  });
});

import { describe, expect, it } from '@jest/globals';
import { AppError, ErrorCode, generateApiKey } from '@plexmcp/contracts';
import { createLogger } from '@plexmcp/service-kit';
import { Writable } from 'node:stream';
import { errorEnvelope } from './envelope.js';
import { toAppError } from './to-app-error.js';

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

describe('toAppError', () => {
  it('logs the cause of a 503 (keys scrubbed) and keeps it out of the envelope', () => {
    const key = generateApiKey('live');
    const cause = new Error(`TIMEOUT waiting on keys.validate for ${key}`);
    const { logger, output } = capturingLogger();

    const error = toAppError(
      new AppError(ErrorCode.ServiceUnavailable, undefined, { cause }),
      logger,
      'req_7',
    );

    expect(error.code).toBe(ErrorCode.ServiceUnavailable);
    const logged = JSON.parse(output()) as { request_id: string; err: { cause: { message: string } } };
    expect(logged.request_id).toBe('req_7');
    expect(logged.err.cause.message).toContain('TIMEOUT waiting on keys.validate');
    expect(output()).not.toContain(key);

    const wire = JSON.stringify(errorEnvelope(error, 'req_7'));
    expect(wire).not.toContain('TIMEOUT');
    const envelope = JSON.parse(wire) as { error: Record<string, unknown> };
    expect(Object.keys(envelope.error).sort()).toEqual(['code', 'message', 'request_id']);
  });

  it('does not log an expected typed error without a cause', () => {
    const { logger, output } = capturingLogger();
    toAppError(new AppError(ErrorCode.NotFound), logger, 'req_8');
    expect(output()).toBe('');
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { generateApiKey } from '@plexmcp/contracts';
import { QueryFailedError } from 'typeorm';
import { PinoNestLogger, createLogger, scrubSecrets, serializeError } from './logger.js';

/** Collects the JSON lines a logger writes instead of sending them to stdout. */
function capture(service: string): { logger: ReturnType<typeof createLogger>; lines: () => string } {
  const logger = createLogger(service, 'info');
  const written: string[] = [];
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
    write: (line: string) => written.push(line),
  };
  return { logger, lines: () => written.join('') };
}

describe('scrubSecrets', () => {
  it('masks live and test keys and webhook secrets but keeps ids', () => {
    const live = generateApiKey('live');
    const test = generateApiKey('test');
    const text = `a=${live} b=${test} c=whsec_c2VjcmV0LXNpZ25pbmcta2V5 id=key_abc123`;
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).not.toContain(live);
    expect(scrubbed).not.toContain(test);
    expect(scrubbed).not.toContain('c2VjcmV0');
    expect(scrubbed).toContain('pk_live_[REDACTED]');
    expect(scrubbed).toContain('id=key_abc123');
  });
});

describe('createLogger', () => {
  it('never writes a key, whether in the message, a nested field or an authorization header', () => {
    const key = generateApiKey('live');
    const { logger, lines } = capture('test-service');

    logger.info({ req: { headers: { authorization: `Bearer ${key}` } } }, 'request');
    logger.warn({ body: { note: `pasted ${key} by mistake` } }, `rejected ${key}`);
    logger.info({ secret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5' }, 'webhook created');

    const output = lines();
    expect(output).not.toContain(key.slice(8));
    expect(output).not.toContain('c2VjcmV0');
    expect(output.trim().split('\n')).toHaveLength(3);
    const first = JSON.parse(output.split('\n')[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({ service: 'test-service', msg: 'request' });
  });

  it('writes human-readable lines in the pretty format, with the same redaction', () => {
    const key = generateApiKey('live');
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString('utf8');
        callback();
      },
    });
    const logger = createLogger('test-service', 'info', 'pretty', sink);

    logger.info(
      { request_id: 'req_1', req: { headers: { authorization: `Bearer ${key}` } } },
      `rejected ${key}`,
    );
    logger.debug('below the level');

    expect(output).not.toContain(key.slice(8));
    expect(output).toContain('INFO');
    expect(output).toContain('rejected pk_live_[REDACTED]');
    expect(output).toContain('"request_id":"req_1"');
    expect(output).not.toContain('below the level');
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(output) as unknown).toThrow();
  });

  it('writes one JSON object per line in the json format', () => {
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString('utf8');
        callback();
      },
    });
    const logger = createLogger('test-service', 'info', 'json', sink);
    logger.info({ a: 1 }, 'one');
    logger.warn('two');
    const lines = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ service: 'test-service', level: 30, msg: 'one', a: 1 }),
      expect.objectContaining({ service: 'test-service', level: 40, msg: 'two' }),
    ]);
  });
});

describe('errors in log lines', () => {
  const secret = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWluLWFuLWVycm9y';
  const headerValue = 'upstream-header-value-4f1c9a';

  /** What TypeORM throws when an INSERT fails: the SQL parameters ride along. */
  function queryFailed(): QueryFailedError {
    const driverError = Object.assign(
      new Error('duplicate key value violates unique constraint "webhooks_pkey"'),
      {
        code: '23505',
        detail: `Key (secret)=(${secret}) already exists.`,
        where: `SQL statement with ${headerValue}`,
        parameters: [secret, headerValue],
        constraint: 'webhooks_pkey',
      },
    );
    return new QueryFailedError(
      'INSERT INTO webhooks (id, secret, headers) VALUES ($1, $2, $3)',
      ['wh_1', secret, { 'x-token': headerValue }],
      driverError,
    );
  }

  it('serializes an error with secrets masked in message and stack, and query parameters dropped', () => {
    const key = generateApiKey('test');
    const plain = serializeError(new Error(`refused ${key} and ${secret}`));
    expect(plain.message).toBe('refused pk_test_[REDACTED] and whsec_[REDACTED]');
    expect(String(plain.stack)).not.toContain(key);
    expect(String(plain.stack)).not.toContain(secret);

    const failed = serializeError(queryFailed());
    const text = JSON.stringify(failed);
    expect(text).not.toContain(secret.slice(6));
    expect(text).not.toContain(headerValue);
    expect(failed).toMatchObject({
      type: 'QueryFailedError',
      query: 'INSERT INTO webhooks (id, secret, headers) VALUES ($1, $2, $3)',
      code: '23505',
      constraint: 'webhooks_pkey',
      detail: 'Key (secret)=([REDACTED]) already exists.',
    });
    expect(failed).not.toHaveProperty('parameters');
    expect(failed.driverError).not.toHaveProperty('parameters');
  });

  it('scrubs nested causes and aggregated errors too', () => {
    const inner = queryFailed();
    const outer = new Error('could not create the webhook', {
      cause: new Error(`wrapped ${secret}`, { cause: inner }),
    });
    const aggregate = new AggregateError([outer, new Error(`also ${secret}`)], 'several failed');
    const text = JSON.stringify(serializeError(aggregate));
    expect(text).toContain('could not create the webhook');
    expect(text).toContain('QueryFailedError');
    expect(text).not.toContain(secret.slice(6));
    expect(text).not.toContain(headerValue);
  });

  it('logs errors given as a field, first argument or Nest trace without their secrets', () => {
    type Line = { msg: string; err: Record<string, unknown>; trace?: string };
    const { logger, lines } = capture('test-service');
    logger.error(
      { err: queryFailed(), handler: 'WebhooksController.create' },
      'unhandled error in RPC handler',
    );
    logger.error(queryFailed());
    logger.warn(new Error(`bad ${secret}`), 'with a message');
    logger.error({ nested: { deeper: { error: queryFailed() } } }, 'deep');
    new PinoNestLogger(logger).error(`failed with ${secret}`, queryFailed().stack, 'ExceptionsHandler');
    const output = lines();
    expect(output).not.toContain(secret.slice(6));
    expect(output).not.toContain(headerValue);
    const [first, second, third] = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(first!.err.type).toBe('QueryFailedError');
    expect(first!.err.query).toContain('INSERT INTO webhooks');
    expect(second!.msg).toContain('duplicate key value');
    expect(second!.err.code).toBe('23505');
    expect(third!.msg).toBe('with a message');
    expect(third!.err.message).toBe('bad whsec_[REDACTED]');
  });
});

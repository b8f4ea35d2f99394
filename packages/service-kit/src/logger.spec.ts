import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { generateApiKey } from '@plexmcp/contracts';
import { QueryFailedError } from 'typeorm';
import { PinoNestLogger, createLogger, scrubSecrets, serializeError, writeLine } from './logger.js';

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

describe('writeLine', () => {
  /** A logger writing to a sink, in the given format; `output` is everything written. */
  function sinkLogger(format: 'json' | 'pretty' = 'json') {
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString('utf8');
        callback();
      },
    });
    return { logger: createLogger('test-service', 'info', format, sink), output: () => output };
  }
  const withoutTime = (line: string): [string, unknown][] =>
    Object.entries(JSON.parse(line) as Record<string, unknown>).filter(([name]) => name !== 'time');

  it('writes the line pino writes for the same fields: same keys, order and values', () => {
    const fields = {
      request_id: 'req_1 "quoted" \\ é',
      method: 'GET',
      route: '/v1/me',
      status: 200,
      key_id: 'key_1',
      mcp_id: null,
      latency_ms: 0.123,
      skipped: undefined,
      ok: true,
    };
    for (const bind of [false, true]) {
      const viaPino = sinkLogger();
      const viaLine = sinkLogger();
      const [a, b] = bind
        ? [viaPino.logger.child({ component: 'access' }), viaLine.logger.child({ component: 'access' })]
        : [viaPino.logger, viaLine.logger];
      a.info(fields, 'request answered');
      writeLine(b, 'info', fields, 'request answered');
      expect(viaLine.output().endsWith('}\n')).toBe(true);
      expect(withoutTime(viaLine.output())).toEqual(withoutTime(viaPino.output()));
      const time = (JSON.parse(viaLine.output()) as { time: string }).time;
      expect(Math.abs(Date.parse(time) - Date.now())).toBeLessThan(5_000);
    }
  });

  it('scrubs keys and secrets from every string and the message, and redacts fields createLogger redacts', () => {
    const key = generateApiKey('live');
    const secret = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5';
    const { logger, output } = sinkLogger();
    writeLine(
      logger,
      'info',
      { request_id: key, note: `a ${secret} b`, secret: 'plain', key: 'k', authorization: 'Bearer x' },
      `for ${key}`,
    );
    const line = JSON.parse(output()) as Record<string, unknown>;
    expect(output()).not.toContain(key.slice(8));
    expect(output()).not.toContain('c2VjcmV0');
    expect(line).toMatchObject({
      request_id: 'pk_live_[REDACTED]',
      note: 'a whsec_[REDACTED] b',
      secret: '[REDACTED]',
      key: '[REDACTED]',
      authorization: '[REDACTED]',
      msg: 'for pk_live_[REDACTED]',
    });
  });

  it('writes nothing below the level, and human-readable lines in the pretty format', () => {
    const json = sinkLogger();
    writeLine(json.logger, 'debug', { a: 1 }, 'below the level');
    expect(json.output()).toBe('');

    const pretty = sinkLogger('pretty');
    writeLine(pretty.logger, 'info', { request_id: 'req_1', status: 200 }, 'request answered');
    expect(pretty.output()).toContain('INFO');
    expect(pretty.output()).toContain('request answered');
    expect(pretty.output()).toContain('"request_id":"req_1"');
    expect(() => JSON.parse(pretty.output()) as unknown).toThrow();
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

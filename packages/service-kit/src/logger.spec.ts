import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { generateApiKey } from '@plexmcp/contracts';
import { createLogger, scrubSecrets } from './logger.js';

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

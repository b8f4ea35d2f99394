import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { DataSource, QueryFailedError } from 'typeorm';
import { createLogger, dataSourceOptions, ensureSchema, schemaOf } from '../src/index.js';
import { createTestSchema, testDatabaseUrl } from '../src/testing/index.js';

/**
 * A failing INSERT against the real Postgres, through TypeORM, logged by the real logger: the
 * error TypeORM throws carries the bound parameters (and Postgres quotes values in `detail`), so
 * a webhook secret or an upstream header value would reach the log unless the logger drops them.
 */
describe('logging a failed query', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  const secret = `whsec_${Buffer.from('a-brand-new-signing-secret-0123456789').toString('base64')}`;
  const headerValue = 'Bearer upstream-credential-7d41c0b9e2';

  beforeAll(async () => {
    const test = await createTestSchema('logerr');
    drop = test.drop;
    await ensureSchema(testDatabaseUrl(), test.schema);
    dataSource = await new DataSource(
      dataSourceOptions({
        url: testDatabaseUrl(),
        schema: test.schema,
        entities: [],
        migrations: [],
        poolSize: 2,
        applicationName: 'logger-test',
      }),
    ).initialize();
    await dataSource.query(
      `CREATE TABLE "${test.schema}".secrets_at_rest (
         id text PRIMARY KEY, secret text NOT NULL UNIQUE, headers jsonb NOT NULL, note text NOT NULL)`,
    );
    await dataSource.query(
      `INSERT INTO "${test.schema}".secrets_at_rest (id, secret, headers, note) VALUES ($1, $2, $3, 'x')`,
      ['row_1', secret, { 'x-upstream-token': headerValue }],
    );
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  /** Runs the insert and returns what TypeORM threw. */
  async function failingInsert(sql: string, parameters: unknown[]): Promise<QueryFailedError> {
    const schema = schemaOf(dataSource);
    try {
      await dataSource.query(sql.replace('$schema', `"${schema}"`), parameters);
    } catch (err) {
      expect(err).toBeInstanceOf(QueryFailedError);
      return err as QueryFailedError;
    }
    throw new Error('the insert was expected to fail');
  }

  function capture(): { logger: ReturnType<typeof createLogger>; output: () => string } {
    const logger = createLogger('logger-test', 'info');
    const written: string[] = [];
    (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
      write: (line: string) => written.push(line),
    };
    return { logger, output: () => written.join('') };
  }

  it('writes neither the whsec_ secret nor the header value of a failed insert', async () => {
    // A unique violation: Postgres's detail quotes the duplicate secret.
    const duplicate = await failingInsert(
      'INSERT INTO $schema.secrets_at_rest (id, secret, headers, note) VALUES ($1, $2, $3, $4)',
      ['row_2', secret, { 'x-upstream-token': headerValue }, 'y'],
    );
    // A not-null violation: its detail lists the whole failing row, header value included.
    const notNull = await failingInsert(
      'INSERT INTO $schema.secrets_at_rest (id, secret, headers, note) VALUES ($1, $2, $3, $4)',
      ['row_3', `${secret}x`, { 'x-upstream-token': headerValue }, null],
    );
    // The raw material is really there, so the test would see a leak.
    expect(JSON.stringify(duplicate.parameters)).toContain(headerValue);
    expect(String((duplicate.driverError as { detail?: string }).detail)).toContain(secret);
    expect(String((notNull.driverError as { detail?: string }).detail)).toContain(headerValue);

    const { logger, output } = capture();
    logger.error({ err: duplicate, handler: 'WebhooksController.create' }, 'unhandled error in RPC handler');
    logger.error(notNull);
    logger.warn({ err: new Error('could not store the MCP', { cause: notNull }) }, 'wrapped');
    const text = output();

    expect(text).not.toContain(secret.slice('whsec_'.length, 30));
    expect(text).not.toContain(headerValue);
    expect(text).not.toContain('upstream-credential');
    // What helps an operator is still there.
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { err: Record<string, unknown> });
    expect(lines).toHaveLength(3);
    expect(lines[0]!.err).toMatchObject({ type: 'QueryFailedError', code: '23505' });
    expect(String(lines[0]!.err.query)).toContain('INSERT INTO');
    expect(lines[0]!.err.detail).toBe('Key (secret)=([REDACTED]) already exists.');
    expect(lines[1]!.err).toMatchObject({ code: '23502', column: 'note' });
    expect(lines[1]!.err.detail).toBe('Failing row contains ([REDACTED]).');
    expect(JSON.stringify(lines[2]!.err.cause)).toContain('23502');
  });
});

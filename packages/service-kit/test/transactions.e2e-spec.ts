import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { TransactionRunner, dataSourceOptions, migrateWithLock } from '../src/index.js';
import { createTestSchema, openTestDataSource, testDatabaseUrl } from '../src/testing/index.js';

/** Against the real Postgres: hooks see committed data, and never run for a rolled-back transaction. */
describe('TransactionRunner after-commit hooks', () => {
  let dataSource: DataSource;
  let observer: pg.Client;
  let schema: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, schema, close } = await openTestDataSource('txhooks'));
    await dataSource.query(`CREATE TABLE "${schema}".notes (id text PRIMARY KEY)`);
    observer = new pg.Client({ connectionString: testDatabaseUrl() });
    await observer.connect();
  });

  afterAll(async () => {
    await observer.end();
    await close();
  });

  /** Whether another connection sees the row: true only once its transaction committed. */
  async function visible(id: string): Promise<boolean> {
    const { rows } = await observer.query(`SELECT 1 FROM "${schema}".notes WHERE id = $1`, [id]);
    return rows.length === 1;
  }

  it('runs hooks in order after the commit, before run resolves', async () => {
    const seen: string[] = [];
    const answer = await new TransactionRunner(dataSource).run(async (manager, { afterCommit }) => {
      await manager.query(`INSERT INTO "${schema}".notes (id) VALUES ('a')`);
      afterCommit(async () => seen.push(`first:${await visible('a')}`));
      afterCommit(async () => seen.push(`second:${await visible('a')}`));
      seen.push(`in transaction:${await visible('a')}`);
      return 'done';
    });
    expect(answer).toBe('done');
    expect(seen).toEqual(['in transaction:false', 'first:true', 'second:true']);
  });

  it('drops the hooks of a transaction that rolled back', async () => {
    let ran = false;
    const failure = new Error('refused');
    await expect(
      new TransactionRunner(dataSource).run(async (manager, { afterCommit }) => {
        await manager.query(`INSERT INTO "${schema}".notes (id) VALUES ('b')`);
        afterCommit(() => (ran = true));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(ran).toBe(false);
    expect(await visible('b')).toBe(false);
  });

  it('rejects with a failing hook while the data stays committed', async () => {
    await expect(
      new TransactionRunner(dataSource).run(async (manager, { afterCommit }) => {
        await manager.query(`INSERT INTO "${schema}".notes (id) VALUES ('c')`);
        afterCommit(() => Promise.reject(new Error('publish failed')));
      }),
    ).rejects.toThrow('publish failed');
    expect(await visible('c')).toBe(true);
  });
});

describe('migrateWithLock', () => {
  it('lets instances starting together take turns on a pool of one connection each', async () => {
    const test = await createTestSchema('migratelock');
    class CreateCounter1700000000000 {
      name = 'CreateCounter1700000000000';
      async up(q: { query(sql: string): Promise<unknown> }): Promise<void> {
        await q.query(`CREATE TABLE "${test.schema}".counter (n integer NOT NULL)`);
        await q.query(`INSERT INTO "${test.schema}".counter VALUES (0)`);
      }
      async down(): Promise<void> {}
    }
    const instances = await Promise.all(
      [1, 2, 3].map(() =>
        new DataSource(
          dataSourceOptions({
            url: testDatabaseUrl(),
            schema: test.schema,
            entities: [],
            migrations: [CreateCounter1700000000000],
            poolSize: 1,
            applicationName: 'migrate-lock-test',
          }),
        ).initialize(),
      ),
    );
    try {
      const outcomes = await Promise.all(
        instances.map((ds) =>
          migrateWithLock(ds, (manager) => manager.query(`UPDATE "${test.schema}".counter SET n = n + 1`)),
        ),
      );
      expect(outcomes.map((o) => o.migrations).flat()).toEqual(['CreateCounter1700000000000']);
      const rows = await instances[0]!.query<{ n: number }[]>(`SELECT n FROM "${test.schema}".counter`);
      expect(rows).toEqual([{ n: 3 }]);
    } finally {
      await Promise.all(instances.map((ds) => ds.destroy()));
      await test.drop();
    }
  });
});

// withClusterLock against the real Postgres: two instances (two pools) run one job at a time, the
// second skips while the first holds it, and the lock ends with the job, even when it throws.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureSchema, withClusterLock } from '../src/index.js';
import { createTestSchema, testDatabaseUrl } from '../src/testing/index.js';

let drop: () => Promise<void>;
let schema: string;
const instances: DataSource[] = [];

beforeAll(async () => {
  const test = await createTestSchema('clusterlock');
  drop = test.drop;
  schema = test.schema;
  await ensureSchema(testDatabaseUrl(), schema);
  for (const name of ['a', 'b']) {
    instances.push(
      await new DataSource(
        dataSourceOptions({
          url: testDatabaseUrl(),
          schema,
          entities: [],
          migrations: [],
          poolSize: 3,
          applicationName: `cluster-lock-test-${name}`,
        }),
      ).initialize(),
    );
  }
});

afterAll(async () => {
  for (const ds of instances) await ds.destroy();
  await drop();
});

describe('withClusterLock', () => {
  it('runs a job on one instance while the other skips it, then lets the other run it', async () => {
    const [a, b] = instances as [DataSource, DataSource];
    const job = 'sweep';
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = withClusterLock(a, job, async () => {
      started();
      await held;
      return 'first';
    });
    await running;
    await expect(withClusterLock(b, job, () => Promise.resolve('second'))).resolves.toEqual({ ran: false });
    // Another job name is not blocked by it.
    await expect(withClusterLock(b, 'other', () => Promise.resolve(1))).resolves.toEqual({
      ran: true,
      value: 1,
    });
    release();
    await expect(first).resolves.toEqual({ ran: true, value: 'first' });
    await expect(withClusterLock(b, job, () => Promise.resolve('second'))).resolves.toEqual({
      ran: true,
      value: 'second',
    });
  });

  it('releases the lock when the job throws', async () => {
    const [a, b] = instances as [DataSource, DataSource];
    const job = 'failing';
    await expect(withClusterLock(a, job, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withClusterLock(b, job, () => Promise.resolve(true))).resolves.toEqual({
      ran: true,
      value: true,
    });
  });
});

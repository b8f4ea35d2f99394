import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateWithLock } from '@plexmcp/service-kit';
import { createTestSchema, pendingSchemaChanges, testDatabaseUrl } from '@plexmcp/service-kit/testing';
import type { DataSource } from 'typeorm';
import { createUsageDataSource } from '../src/database/data-source.js';

/**
 * The entities describe the tables exactly as the migrations create them: after the real
 * migrations, TypeORM finds nothing to change, so no new migration would be generated.
 */
describe('usage-service entities', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const test = await createTestSchema('usage_entities');
    drop = test.drop;
    dataSource = await createUsageDataSource({
      url: testDatabaseUrl(),
      schema: test.schema,
      poolSize: 2,
    }).initialize();
    await migrateWithLock(dataSource, () => Promise.resolve());
  });

  afterAll(async () => {
    await dataSource.destroy();
    await drop();
  });

  it('need no schema change after the migrations', async () => {
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });
});

import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureSchema } from '@plexmcp/service-kit';
import { InitialSchema1764100000000 } from './migrations/1764100000000-initial-schema.js';
import { WebhookDeliveriesPending1796200000000 } from './migrations/1796200000000-webhook-deliveries-pending.js';

export const MIGRATIONS = [InitialSchema1764100000000, WebhookDeliveriesPending1796200000000];

/** Anything that runs SQL: the DataSource itself or a transaction's EntityManager. */
export interface SqlExecutor {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

export interface UsageDatabaseSettings {
  url: string;
  schema: string;
  poolSize: number;
}

export function createUsageDataSource(settings: UsageDatabaseSettings): DataSource {
  return new DataSource(
    dataSourceOptions({
      url: settings.url,
      schema: settings.schema,
      entities: [],
      migrations: MIGRATIONS,
      poolSize: settings.poolSize,
      applicationName: 'usage-service',
    }),
  );
}

/** Creates the schema if needed, connects and applies pending migrations. */
export async function openUsageDatabase(settings: UsageDatabaseSettings): Promise<DataSource> {
  await ensureSchema(settings.url, settings.schema);
  const dataSource = await createUsageDataSource(settings).initialize();
  try {
    // Instances starting together take turns: the first migrates, the others find nothing to do.
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`${settings.schema}.migrations`]);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`${settings.schema}.migrations`]);
      await runner.release();
    }
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}

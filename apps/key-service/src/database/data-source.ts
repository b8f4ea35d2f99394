import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureSchema } from '@plexmcp/service-kit';
import { ApiKeyEntity } from '../keys/api-key.entity.js';
import { AuditEntryEntity } from '../audit/audit-entry.entity.js';
import { McpEntity } from '../mcps/mcp.entity.js';
import { OrganizationEntity } from '../organizations/organization.entity.js';
import { InitialSchema1764170000000 } from './migrations/1764170000000-initial-schema.js';

export const ENTITIES = [OrganizationEntity, McpEntity, ApiKeyEntity, AuditEntryEntity];
export const MIGRATIONS = [InitialSchema1764170000000];

export interface DatabaseConfig {
  databaseUrl: string;
  dbSchema: string;
  dbPoolSize: number;
}

export function createDataSource(config: DatabaseConfig): DataSource {
  return new DataSource(
    dataSourceOptions({
      url: config.databaseUrl,
      schema: config.dbSchema,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      poolSize: config.dbPoolSize,
      applicationName: 'plexmcp-key-service',
    }),
  );
}

/**
 * Creates the schema and runs pending migrations. Several instances may start at once, so the
 * run is serialized with a Postgres advisory lock held on its own connection.
 */
export async function migrate(config: DatabaseConfig): Promise<string[]> {
  await ensureSchema(config.databaseUrl, config.dbSchema);
  const lock = new pg.Client({ connectionString: config.databaseUrl });
  await lock.connect();
  const dataSource = createDataSource({ ...config, dbPoolSize: 1 });
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`plexmcp-migrations:${config.dbSchema}`]);
    await dataSource.initialize();
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await lock.end();
  }
}

/** The pg pool behind TypeORM, for the hot path's named prepared statement. */
export function pgPool(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}

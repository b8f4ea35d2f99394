import pg from 'pg';
import type { DataSourceOptions, MigrationInterface, QueryRunner } from 'typeorm';

export interface DatabaseSettings {
  url: string;
  /** The service's own schema: each service owns its tables and no other service reads them. */
  schema: string;
  entities: DataSourceOptions['entities'];
  migrations: (new () => MigrationInterface)[];
  poolSize?: number;
  applicationName: string;
}

/** TypeORM options shared by every service: real migrations, never `synchronize`. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    entities: settings.entities,
    migrations: settings.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    applicationName: settings.applicationName,
    poolSize: settings.poolSize ?? 10,
    extra: { connectionTimeoutMillis: 5_000 },
  };
}

/** Creates the service schema if missing (migrations then create the tables inside it). */
export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/** Schema-qualified table name for raw SQL in migrations: `"key_service"."api_keys"`. */
export function table(queryRunner: QueryRunner, name: string): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
  return `"${schema}"."${name}"`;
}

/**
 * A health probe of a database: `up()` is true when `check` (a query on the service's own pool)
 * succeeds within `timeoutMs`, false when it fails or takes longer, so a hung database never hangs
 * a health answer. Calls while a check is still running share it: a database that stopped answering
 * holds at most one probe query per process, however often health is asked.
 */
export class DatabaseProbe {
  private running: Promise<boolean> | null = null;

  constructor(
    private readonly check: () => Promise<unknown>,
    private readonly timeoutMs: number,
  ) {}

  async up(): Promise<boolean> {
    const running = (this.running ??= this.check().then(
      () => true,
      () => false,
    ));
    void running.finally(() => {
      if (this.running === running) this.running = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    try {
      return await Promise.race([running, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The advisory lock that serializes one schema's migrations, start-up passes and secret
 * re-encryption across every instance of its service.
 */
export function migrationLockKey(schema: string): string {
  return `plexmcp-migrations:${schema}`;
}

/** Takes the migration lock for the rest of the caller's transaction (waits while an instance migrates). */
export async function lockMigrations(
  sql: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  schema: string,
): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockKey(schema)]);
}

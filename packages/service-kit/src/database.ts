import pg from 'pg';
import {
  type DataSource,
  type DataSourceOptions,
  type EntityManager,
  type EntityTarget,
  MigrationExecutor,
  type MigrationInterface,
  type ObjectLiteral,
  type QueryRunner,
  type Repository,
} from 'typeorm';

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

/** The schema a service's DataSource works in (`dataSourceOptions` sets it; Postgres' default otherwise). */
export function schemaOf(dataSource: DataSource): string {
  return (dataSource.options as { schema?: string }).schema ?? 'public';
}

/** Schema-qualified table name for raw SQL in migrations: `"key_service"."api_keys"`. */
export function table(queryRunner: QueryRunner, name: string): string {
  return `"${schemaOf(queryRunner.connection)}"."${name}"`;
}

/** Anything that runs SQL: the DataSource itself or a transaction's EntityManager. */
export interface SqlExecutor {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * The one way repositories reach their tables: TypeORM repositories of the service's entities
 * (the DataSource already knows the schema), and, for the raw SQL a hot path or a batch upsert
 * needs, the schema-qualified names and the rows a statement answers.
 */
export class Tables {
  readonly schema: string;
  /** Outside any transaction; a unit of work passes its own manager instead. */
  readonly manager: EntityManager;

  constructor(private readonly dataSource: DataSource) {
    this.schema = schemaOf(dataSource);
    this.manager = dataSource.manager;
  }

  /** The entity's repository, on the caller's transaction when given. */
  repository<E extends ObjectLiteral>(entity: EntityTarget<E>, manager?: EntityManager): Repository<E> {
    return (manager ?? this.manager).getRepository(entity);
  }

  /** `"schema"."name"`, for raw SQL. */
  name(table: string): string {
    return `"${this.schema}"."${table}"`;
  }

  /**
   * Runs a named prepared statement on the pool under TypeORM: Postgres parses and plans it once
   * per connection. For a measured hot path only (TypeORM's `query` cannot name a statement).
   */
  async prepared<T>(statement: { name: string; text: string }, values: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    const result = await pool.query({ ...statement, values });
    return result.rows as T[];
  }

  /**
   * Runs raw SQL and answers its rows. TypeORM's postgres driver answers UPDATE/DELETE (even with
   * RETURNING) as `[rows, rowCount]` and everything else as `rows`; this is the rows either way.
   */
  async rows<T>(sql: SqlExecutor, text: string, parameters?: unknown[]): Promise<T[]> {
    const result = await sql.query<unknown>(text, parameters);
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      Array.isArray(result[0]) &&
      typeof result[1] === 'number'
    ) {
      return result[0] as T[];
    }
    return result as T[];
  }
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

/**
 * Creates the DataSource's schema, applies its pending migrations, then runs `after` (e.g. encrypting
 * values still stored in clear) in one transaction, all under the migration lock held on one
 * connection for the whole pass: instances starting together take turns, the first migrates and
 * the others find nothing to do. One connection suffices, so a pool of one works. Answers the
 * names of the migrations applied and what `after` answered.
 */
export async function migrateWithLock<T>(
  dataSource: DataSource,
  after: (manager: EntityManager) => Promise<T>,
): Promise<{ migrations: string[]; after: T }> {
  const schema = schemaOf(dataSource);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [migrationLockKey(schema)]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const ran = await executor.executePendingMigrations();
      const answer = await runner.manager.transaction(after);
      return { migrations: ran.map((m) => m.name), after: answer };
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [migrationLockKey(schema)]);
    }
  } finally {
    await runner.release();
  }
}

import type { SqlExecutor } from './data-source.js';

/** The advisory lock that serializes migrations (and secret re-encryption) of one schema. */
export function migrationLockKey(schema: string): string {
  return `${schema}.migrations`;
}

/** Takes the migration lock for the rest of the caller's transaction (waits while an instance migrates). */
export async function lockMigrations(sql: SqlExecutor, schema: string): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockKey(schema)]);
}

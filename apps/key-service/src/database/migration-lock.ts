import type { EntityManager } from 'typeorm';

/** The advisory lock that serializes migrations (and secret re-encryption) of one schema. */
export function migrationLockKey(schema: string): string {
  return `plexmcp-migrations:${schema}`;
}

/** Takes the migration lock for the rest of the transaction (waits while an instance migrates). */
export async function lockMigrations(manager: EntityManager): Promise<void> {
  const schema = (manager.connection.options as { schema?: string }).schema ?? 'public';
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockKey(schema)]);
}

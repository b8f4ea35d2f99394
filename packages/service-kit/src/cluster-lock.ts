import type { DataSource } from 'typeorm';
import { schemaOf } from './database.js';

/** What `withClusterLock` did: ran `fn` (with its result) or skipped it, another instance holding the lock. */
export type ClusterLockOutcome<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

/**
 * Runs `fn` only if no other instance of the cluster runs the job of the same `name` now, so a
 * periodic job (sweep, retention, rollup) acts once cluster-wide however many replicas run it.
 * The lock is a Postgres transaction-level advisory lock, taken without waiting: an instance that
 * finds it held skips this round. It lives in a transaction held open on one pooled connection
 * while `fn` runs (`fn` uses its own connections), and ends with it — on return, on error, or
 * when the holder's connection dies with its process. The lock is per schema (the data source's),
 * so deployments or test suites sharing one database do not block each other.
 */
export async function withClusterLock<T>(
  dataSource: DataSource,
  name: string,
  fn: () => Promise<T>,
): Promise<ClusterLockOutcome<T>> {
  return dataSource.transaction(async (tx): Promise<ClusterLockOutcome<T>> => {
    const rows = await tx.query<{ locked: boolean }[]>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
      [clusterLockKey(schemaOf(dataSource), name)],
    );
    if (rows[0]?.locked !== true) return { ran: false };
    return { ran: true, value: await fn() };
  });
}

/** The advisory-lock key of a cluster-once job in a schema (distinct from the migration lock's). */
function clusterLockKey(schema: string, name: string): string {
  return `plexmcp-cluster-job:${schema}:${name}`;
}

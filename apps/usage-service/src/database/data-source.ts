import { DataSource } from 'typeorm';
import { type Keyring, dataSourceOptions, ensureSchema, migrationLockKey } from '@plexmcp/service-kit';
import { WebhookSecretCipher } from '../webhooks/webhook-secret-cipher.js';
import { resealWebhookSecrets } from '../webhooks/webhook-secrets.service.js';
import { WebhooksRepository } from '../webhooks/webhooks.repository.js';
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

export interface OpenDatabaseSettings extends UsageDatabaseSettings {
  /** Encrypts webhook secrets still stored in clear, right after the migrations. */
  keyring: Keyring;
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

/**
 * Creates the schema if needed, connects, applies pending migrations, then encrypts webhook
 * secrets still stored in clear (rows written before encryption at rest; idempotent, one
 * transaction). Answers how many secrets that pass encrypted.
 */
export async function openUsageDatabase(
  settings: OpenDatabaseSettings,
): Promise<{ dataSource: DataSource; encryptedWebhooks: number }> {
  await ensureSchema(settings.url, settings.schema);
  const dataSource = await createUsageDataSource(settings).initialize();
  try {
    // Instances starting together take turns: the first migrates, the others find nothing to do.
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const lockKey = migrationLockKey(settings.schema);
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      await dataSource.runMigrations({ transaction: 'each' });
      // On the connection holding the lock, so a pool of one connection suffices.
      await runner.startTransaction();
      try {
        const cipher = new WebhookSecretCipher(settings.keyring);
        const repository = new WebhooksRepository(dataSource);
        const { reencrypted } = await resealWebhookSecrets(runner, repository, cipher, 'plaintext');
        await runner.commitTransaction();
        return { dataSource, encryptedWebhooks: reencrypted };
      } catch (err) {
        await runner.rollbackTransaction();
        throw err;
      }
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      await runner.release();
    }
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}

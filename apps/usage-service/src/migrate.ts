import { ConfigError, createLogger } from '@plexmcp/service-kit';
import { loadUsageServiceConfig } from './config.js';
import { openUsageDatabase } from './database/data-source.js';

/** Applies pending migrations and exits (the service also does this at start-up). */
const logger = createLogger('usage-service-migrate');
try {
  const config = loadUsageServiceConfig();
  const { dataSource, encryptedWebhooks } = await openUsageDatabase({
    url: config.databaseUrl,
    schema: config.USAGE_SERVICE_DB_SCHEMA,
    // One connection holds the migration lock while migrations run on another.
    poolSize: 2,
    keyring: config.PLEXMCP_ENCRYPTION_KEYS,
  });
  await dataSource.destroy();
  logger.info(
    { schema: config.USAGE_SERVICE_DB_SCHEMA, encrypted_webhook_secrets: encryptedWebhooks },
    'migrations applied',
  );
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'migration failed');
  process.exit(1);
}

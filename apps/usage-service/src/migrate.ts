import { ConfigError, createLogger } from '@plexmcp/service-kit';
import { loadUsageServiceConfig } from './config.js';
import { openUsageDatabase } from './database/data-source.js';

/** Applies pending migrations and exits (the service also does this at start-up). */
const logger = createLogger('usage-service-migrate');
try {
  const config = loadUsageServiceConfig();
  const dataSource = await openUsageDatabase({
    url: config.databaseUrl,
    schema: config.USAGE_SERVICE_DB_SCHEMA,
    poolSize: 1,
  });
  await dataSource.destroy();
  logger.info({ schema: config.USAGE_SERVICE_DB_SCHEMA }, 'migrations applied');
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'migration failed');
  process.exit(1);
}

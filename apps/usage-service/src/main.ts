import { ConfigError, createLogger } from '@plexmcp/service-kit';
import { bootstrap } from './index.js';

const logger = createLogger('usage-service');

try {
  const handle = await bootstrap();
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    handle.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'usage-service failed to start');
  process.exit(1);
}

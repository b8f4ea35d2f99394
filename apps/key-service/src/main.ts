import { ConfigError } from '@plexmcp/service-kit';
import { bootstrap } from './index.js';

// SIGTERM/SIGINT are handled by the microservice's shutdown hooks (drain, then close the pool).
bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`key-service: ${err.message}\n`);
  } else {
    process.stderr.write(`key-service failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});

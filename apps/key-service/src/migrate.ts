import { ConfigError } from '@plexmcp/service-kit';
import { loadKeyServiceConfig } from './config.js';
import { migrate } from './database/data-source.js';

/** `pnpm --filter @plexmcp/key-service migrate`: applies pending migrations and exits. */
async function main(): Promise<void> {
  const config = loadKeyServiceConfig();
  const applied = await migrate(config);
  process.stdout.write(
    applied.length === 0
      ? 'key-service: schema is up to date\n'
      : `key-service: applied ${applied.join(', ')}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError
      ? `key-service: ${err.message}\n`
      : `key-service: migration failed: ${String(err)}\n`,
  );
  process.exit(1);
});

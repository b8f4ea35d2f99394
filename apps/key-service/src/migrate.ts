import { ConfigError } from '@plexmcp/service-kit';
import { loadKeyServiceConfig } from './config.js';
import { migrate } from './database/data-source.js';

/** `pnpm --filter @plexmcp/key-service migrate`: applies pending migrations and exits. */
async function main(): Promise<void> {
  const config = loadKeyServiceConfig();
  const { migrations, encryptedMcps } = await migrate(config.database, config.PLEXMCP_ENCRYPTION_KEYS);
  process.stdout.write(
    migrations.length === 0
      ? 'key-service: schema is up to date\n'
      : `key-service: applied ${migrations.join(', ')}\n`,
  );
  if (encryptedMcps > 0) {
    process.stdout.write(
      `key-service: encrypted the upstream headers of ${encryptedMcps} MCPs stored in clear\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError
      ? `key-service: ${err.message}\n`
      : `key-service: migration failed: ${String(err)}\n`,
  );
  process.exit(1);
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  type NatsAuth,
  checkNatsAuth,
  loadConfig,
  natsAuthEnv,
  natsAuthOf,
} from '@plexmcp/service-kit/config';
import { z } from 'zod';
import { UsageError } from './errors.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/**
 * The file in which `pnpm start` records the NATS it started and each role's generated password
 * (`{"url", "users": {"<role>": {"user", "password"}}}`, mode 0600), in its data directory.
 */
export const LOCAL_NATS_CREDENTIALS_FILE = 'nats-credentials.json';

const localCredentialsSchema = z.object({
  url: z.string(),
  users: z.object({ ops: z.object({ user: z.string(), password: z.string() }) }),
});

export interface CliNatsSettings {
  url: string;
  auth: NatsAuth;
}

/**
 * Where the CLI connects and as whom: `NATS_URL` (default local), with the credentials of
 * `NATS_USER`/`NATS_PASSWORD`, `NATS_CREDS` or `NATS_TOKEN` (and `NATS_TLS_*`). When none is set
 * and a `pnpm start` in this directory started that same NATS, its generated `ops` credentials
 * (`$PLEXMCP_DATA_DIR/nats-credentials.json`, default `./.plexmcp`) are used.
 */
export function cliNatsSettings(env: NodeJS.ProcessEnv): CliNatsSettings {
  const url = env.NATS_URL || DEFAULT_NATS_URL;
  let variables;
  try {
    variables = loadConfig(z.object(natsAuthEnv).superRefine(checkNatsAuth), env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const auth = natsAuthOf(variables);
  if (auth.user !== undefined || auth.token !== undefined || auth.credsFile !== undefined)
    return { url, auth };
  const local = localOpsCredentials(
    path.resolve(env.PLEXMCP_DATA_DIR || '.plexmcp', LOCAL_NATS_CREDENTIALS_FILE),
  );
  if (local === null || local.url !== url) return { url, auth };
  return { url, auth: { ...auth, user: local.users.ops.user, password: local.users.ops.password } };
}

function localOpsCredentials(file: string): z.infer<typeof localCredentialsSchema> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return localCredentialsSchema.parse(JSON.parse(text));
  } catch {
    throw new UsageError(
      `${file} is not a credentials file written by \`pnpm start\`; delete it or set NATS_USER`,
    );
  }
}

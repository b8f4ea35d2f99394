import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './start-process.js';

/** What `plexmcp org create --json` prints. */
export interface CliOrg {
  organization: { id: string; name: string };
  admin_key: { id: string; secret: string; expires_at: string };
}

/**
 * `plexmcp org create --name <name> --json`, the real command line, over the system's NATS; with
 * `dataDir`, as `PLEXMCP_DATA_DIR` (where it finds the credentials `pnpm start` generated); `env`
 * adds variables (e.g. `NATS_USER`/`NATS_PASSWORD`).
 */
export function createOrgWithCli(
  name: string,
  natsUrl: string,
  dataDir?: string,
  env: Record<string, string> = {},
): Promise<CliOrg> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'packages/cli/dist/main.js'), 'org', 'create', '--name', name, '--json'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          NATS_URL: natsUrl,
          ...(dataDir === undefined ? {} : { PLEXMCP_DATA_DIR: dataDir }),
          ...env,
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`plexmcp org create failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as CliOrg);
      },
    );
  });
}

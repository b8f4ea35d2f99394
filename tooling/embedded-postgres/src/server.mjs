// PGlite (Postgres compiled to WebAssembly) served over the Postgres wire protocol, so services use
// the same `pg` driver and code path as with a real Postgres. Run as its own process by
// scripts/start.mjs when DATABASE_URL is unset.
//
// Settings (environment):
//   PGLITE_DATA_DIR          directory holding the database files (required; created if missing)
//   PGLITE_HOST              address to bind (default 127.0.0.1)
//   PGLITE_PORT              port to bind (default 0: any free port, reported when ready)
//   PGLITE_MAX_CONNECTIONS   concurrent client connections (default 50); must cover the sum of the
//                            services' pool sizes plus the short-lived migration connections
//
// When ready it reports `{ type: 'ready', url }` over the IPC channel if it has one, and prints
// `ready <url>` on stdout either way. SIGTERM or SIGINT closes the sockets, then the database
// cleanly. Losing the parent's IPC channel does the same, so the server never outlives its
// supervisor.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

function setting(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function integerSetting(name, fallback, min, max) {
  const raw = setting(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`Invalid configuration: ${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    process.exit(78);
  }
  return value;
}

const dataDir = setting('PGLITE_DATA_DIR', undefined);
if (!dataDir) {
  console.error('Invalid configuration: PGLITE_DATA_DIR is required');
  process.exit(78);
}
const host = setting('PGLITE_HOST', '127.0.0.1');
const port = integerSetting('PGLITE_PORT', 0, 0, 65_535);
const maxConnections = integerSetting('PGLITE_MAX_CONNECTIONS', 50, 1, 10_000);

// Signals are handled from the very start: a stop during the first initdb waits for it to finish,
// so the data directory is never left half-initialised.
let db;
let server;
let stopping = false;
async function stop(reason) {
  if (stopping) return;
  stopping = true;
  console.log(`stopping (${reason})`);
  let code = 0;
  try {
    await opened;
    await server?.stop();
    await db?.close();
  } catch (err) {
    console.error(
      `failed to close the database cleanly: ${err instanceof Error ? err.message : String(err)}`,
    );
    code = 1;
  }
  process.exit(code);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('disconnect', () => void stop('supervisor went away'));

mkdirSync(dataDir, { recursive: true });
const startedAt = Date.now();
const opened = PGlite.create(dataDir).then((created) => {
  db = created;
});
await opened;
if (!stopping) {
  server = new PGLiteSocketServer({ db, host, port, maxConnections });
  server.addEventListener('error', (event) => {
    console.error(`socket error: ${String(event.detail?.message ?? event.detail)}`);
  });
  await server.start();

  const [boundHost, boundPort] = server.getServerConn().split(/:(?=\d+$)/);
  const url = `postgres://postgres@${boundHost}:${boundPort}/postgres`;
  console.log(`ready ${url} (data in ${dataDir}, opened in ${Date.now() - startedAt} ms)`);
  process.send?.({ type: 'ready', url });
}

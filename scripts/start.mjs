#!/usr/bin/env node
// Starts the whole of PlexMCP on one machine: `pnpm start` builds, then runs this file.
//
//  1. NATS at NATS_URL (default nats://127.0.0.1:4222). If nothing answers there and the address is
//     local, a `nats-server` from PATH is started with JetStream and its store in the data dir.
//  2. Postgres: DATABASE_URL when set; otherwise PGlite, served over the Postgres wire protocol by
//     its own process (tooling/embedded-postgres), with its files in the data dir.
//  3. key-service, usage-service and api-gateway, each as `node apps/<app>/dist/main.js`, with
//     their log lines prefixed by the service name, restarted with backoff when they crash.
//
// SIGINT (Ctrl-C) or SIGTERM stops the services first, then PGlite and a NATS started here.
// This file does not build: run `pnpm start` (or `pnpm build` first).
//
// Settings (environment; everything set is also passed on to the services):
//   PLEXMCP_DATA_DIR                 data directory (default ./.plexmcp)
//   NATS_URL, DATABASE_URL, PORT (default 3000), LOG_LEVEL (default info)
//   PLEXMCP_PGLITE_PORT              port of the embedded Postgres (default: any free port)
//   PLEXMCP_PGLITE_MAX_CONNECTIONS   its connection limit (default 50)
//   NATS_SERVER_BIN                  the nats-server binary (default: nats-server on PATH)
//   PLEXMCP_STOP_TIMEOUT_MS          grace period per process before SIGKILL (default 10000)
//   PLEXMCP_ENCRYPTION_KEYS          keyring for secrets at rest (default: generated once into
//                                    <data dir>/encryption-keys, mode 0600)
//
// Everything written in the data dir (and by the children, which inherit umask 077) is readable
// by the owner only.
import { spawn, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;

const SERVICES = [
  { name: 'key-service', dir: 'apps/key-service' },
  { name: 'usage-service', dir: 'apps/usage-service' },
  { name: 'api-gateway', dir: 'apps/api-gateway' },
];
const NAME_WIDTH = Math.max(...SERVICES.map((s) => s.name.length), 'nats-server'.length, 'postgres'.length);
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A process that ran this long before crashing is restarted without accumulated backoff. */
const STABLE_AFTER_MS = 30_000;

function setting(name, fallback) {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function intSetting(name, fallback, min, max) {
  const raw = setting(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function log(message) {
  process.stdout.write(`${'plexmcp'.padEnd(NAME_WIDTH)} | ${message}\n`);
}

function fail(message) {
  process.stderr.write(`${'plexmcp'.padEnd(NAME_WIDTH)} | error: ${message}\n`);
  process.exit(1);
}

/** Copies a child's output line by line, each line prefixed with the process name. */
function prefixOutput(name, stream, target) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => target.write(`${name.padEnd(NAME_WIDTH)} | ${line}\n`));
}

/**
 * One supervised child process: restarted with exponential backoff when it exits unexpectedly,
 * stopped with SIGTERM (then SIGKILL after the grace period) on request.
 */
class Supervised {
  constructor(name, launch, { restart = true } = {}) {
    this.name = name;
    this.launch = launch;
    this.restart = restart;
    this.child = null;
    this.stopping = false;
    this.failures = 0;
    this.timer = null;
    this.exited = Promise.resolve();
  }

  start() {
    const startedAt = Date.now();
    const child = this.launch();
    this.child = child;
    log(`started ${this.name} (pid ${child.pid})`);
    prefixOutput(this.name, child.stdout, process.stdout);
    prefixOutput(this.name, child.stderr, process.stderr);
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        log(`${this.name} could not be started: ${err.message}`);
        if (child.pid === undefined) {
          this.onExit(child, startedAt, null, null);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        this.onExit(child, startedAt, code, signal);
        resolve();
      });
    });
    return child;
  }

  onExit(child, startedAt, code, signal) {
    if (this.child === child) this.child = null;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping) {
      log(`${this.name} stopped (${how})`);
      return;
    }
    if (!this.restart) {
      log(`${this.name} exited (${how})`);
      return;
    }
    this.failures = Date.now() - startedAt >= STABLE_AFTER_MS ? 1 : this.failures + 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (this.failures - 1));
    log(`${this.name} exited unexpectedly (${how}); restarting in ${delay} ms`);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopping) this.start();
    }, delay);
  }

  async stop(graceMs) {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const killTimer = setTimeout(() => {
      log(`${this.name} did not stop within ${graceMs} ms; killing it`);
      child.kill('SIGKILL');
    }, graceMs);
    child.kill('SIGTERM');
    await this.exited;
    clearTimeout(killTimer);
  }

  /** Last resort when this process dies abruptly: never leave a child behind. */
  killNow() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// NATS

/** The first host:port of NATS_URL (a comma-separated list for a cluster). */
function natsAddress(natsUrl) {
  const first = natsUrl.split(',')[0].trim();
  let parsed;
  try {
    parsed = new URL(first);
  } catch {
    fail(`NATS_URL must look like nats://host:port, got "${natsUrl}"`);
  }
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') {
    fail(`NATS_URL must look like nats://host:port, got "${natsUrl}"`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port: parsed.port ? Number(parsed.port) : 4222 };
}

/** Resolves 'nats' when a NATS server greets us (INFO), 'other' when something else answers, 'none' when nothing does. */
function probeNats({ host, port }, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(received ? 'other' : 'none'));
    socket.once('error', () => done('none'));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.length >= 5) done(received.startsWith('INFO ') ? 'nats' : 'other');
    });
    socket.connect(port, host);
  });
}

function isLocalHost(host) {
  return ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(host) || host.startsWith('127.');
}

/** The nats-server binary to run, or null when there is none. */
function findNatsServer() {
  const explicit = setting('NATS_SERVER_BIN', undefined);
  if (explicit) return explicit;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Data dir lock: PGlite and a NATS store must never be opened by two supervisors at once.

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function lockDataDir(dataDir) {
  const lockFile = path.join(dataDir, 'supervisor.pid');
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      fail(`${dataDir} is in use by another PlexMCP (pid ${pid}); stop it or set PLEXMCP_DATA_DIR`);
    }
  }
  writeFileSync(lockFile, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) rmSync(lockFile);
    } catch {
      // already gone
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Secrets at rest: the services refuse to start without PLEXMCP_ENCRYPTION_KEYS.

/** Group or world access to a path of the data dir is taken away (files 0600, directories 0700). */
function keepPrivate(file, mode) {
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, mode);
    log(`${file} was readable by others; changed it to ${mode.toString(8)}`);
  }
}

/**
 * The keyring passed to the services: PLEXMCP_ENCRYPTION_KEYS when set; otherwise the one in
 * <data dir>/encryption-keys, generated once (mode 0600) and reused after. The file holds the
 * variable's format (`id:base64`, comma- or line-separated, the first key encrypts), so a key is
 * rotated by putting a new line first. Losing it makes the stored secrets unreadable.
 */
function encryptionKeys(dataDir) {
  const configured = setting('PLEXMCP_ENCRYPTION_KEYS', undefined);
  if (configured) return configured;
  const file = path.join(dataDir, 'encryption-keys');
  if (!existsSync(file)) {
    writeFileSync(file, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    log(`generated the encryption key of stored secrets in ${file}: back it up with the database`);
  }
  keepPrivate(file, 0o600);
  const keys = readFileSync(file, 'utf8')
    .split(/[\r\n,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .join(',');
  if (!keys) fail(`${file} holds no key; restore it from a backup, or set PLEXMCP_ENCRYPTION_KEYS`);
  return keys;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  process.umask(0o077);
  const dataDir = path.resolve(setting('PLEXMCP_DATA_DIR', './.plexmcp'));
  const natsUrl = setting('NATS_URL', 'nats://127.0.0.1:4222');
  const port = setting('PORT', '3000');
  const logLevel = setting('LOG_LEVEL', 'info');
  const stopTimeoutMs = intSetting('PLEXMCP_STOP_TIMEOUT_MS', 10_000, 100, 600_000);

  for (const service of SERVICES) {
    const entry = path.join(root, service.dir, 'dist/main.js');
    if (!existsSync(entry))
      fail(
        `${path.relative(root, entry)} is missing: run \`pnpm start\` (it builds first) or \`pnpm build\``,
      );
  }

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  keepPrivate(dataDir, 0o700);
  const unlock = lockDataDir(dataDir);
  const keyring = encryptionKeys(dataDir);

  const infrastructure = [];
  const services = [];
  let shuttingDown = false;

  const shutdown = async (reason, exitCode) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${reason}: stopping services`);
    await Promise.all(services.map((s) => s.stop(stopTimeoutMs)));
    if (infrastructure.length > 0) log('stopping infrastructure');
    for (const s of [...infrastructure].reverse()) await s.stop(stopTimeoutMs);
    unlock();
    log('stopped');
    process.exit(exitCode);
  };
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      signals += 1;
      if (signals > 1) {
        log(`${signal} again: killing everything now`);
        for (const s of [...services, ...infrastructure]) s.killNow();
        unlock();
        process.exit(130);
      }
      void shutdown(signal, 0);
    });
  }
  process.on('exit', () => {
    for (const s of [...services, ...infrastructure]) s.killNow();
  });

  // Children run in their own process groups, so a Ctrl-C reaches only this supervisor, which
  // then stops them in order (services before the database and broker they depend on).
  const detached = process.platform !== 'win32';

  // 1. NATS
  const address = natsAddress(natsUrl);
  const found = await probeNats(address);
  if (found === 'other')
    fail(`something that is not NATS answers at ${address.host}:${address.port} (NATS_URL)`);
  if (found === 'nats') {
    log(`using NATS at ${natsUrl}`);
  } else {
    const binary = findNatsServer();
    if (!isLocalHost(address.host)) {
      fail(
        `nothing answers at NATS_URL=${natsUrl}; start that NATS server (with JetStream) or point NATS_URL at one`,
      );
    }
    if (!binary) {
      fail(
        `nothing answers at NATS_URL=${natsUrl} and no nats-server binary is on PATH.\n` +
          '  Install one and run `pnpm start` again:\n' +
          '    Debian/Ubuntu:  sudo apt-get install -y nats-server\n' +
          '    macOS:          brew install nats-server\n' +
          '    other systems:  https://github.com/nats-io/nats-server/releases (put nats-server on PATH)\n' +
          '  or set NATS_URL to a running NATS server with JetStream enabled (nats-server -js).',
      );
    }
    const storeDir = path.join(dataDir, 'nats');
    mkdirSync(storeDir, { recursive: true });
    const nats = new Supervised('nats-server', () =>
      spawn(binary, ['-a', address.host, '-p', String(address.port), '-js', '-sd', storeDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached,
      }),
    );
    infrastructure.push(nats);
    nats.start();
    try {
      await waitUntil(
        async () => (await probeNats(address)) === 'nats',
        15_000,
        `nats-server on ${address.host}:${address.port}`,
      );
    } catch (err) {
      await shutdown(`nats-server did not start (${err.message})`, 1);
    }
    log(`started NATS with JetStream at ${natsUrl} (store in ${storeDir})`);
  }

  // 2. Postgres
  let databaseUrl = setting('DATABASE_URL', undefined);
  if (databaseUrl) {
    log('using Postgres from DATABASE_URL');
  } else {
    const pgliteDir = path.join(dataDir, 'pglite');
    const pglitePort = intSetting('PLEXMCP_PGLITE_PORT', 0, 0, 65_535);
    const maxConnections = intSetting('PLEXMCP_PGLITE_MAX_CONNECTIONS', 50, 1, 10_000);
    let resolveReady;
    let ready = new Promise((resolve) => (resolveReady = resolve));
    let boundPort = pglitePort;
    const postgres = new Supervised('postgres', () => {
      const child = fork(path.join(root, 'tooling/embedded-postgres/src/server.mjs'), [], {
        env: {
          ...env,
          PGLITE_DATA_DIR: pgliteDir,
          PGLITE_HOST: '127.0.0.1',
          // After a restart, the same port: the services' pools reconnect to the URL they have.
          PGLITE_PORT: String(boundPort),
          PGLITE_MAX_CONNECTIONS: String(maxConnections),
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        detached,
      });
      child.on('message', (message) => {
        if (message && message.type === 'ready') {
          boundPort = Number(new URL(message.url).port);
          resolveReady(message.url);
        }
      });
      child.once('exit', () => {
        ready = new Promise((resolve) => (resolveReady = resolve));
      });
      return child;
    });
    infrastructure.push(postgres);
    log(`starting the embedded Postgres (PGlite) in ${pgliteDir}; the first start takes a few seconds`);
    postgres.start();
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 120_000).unref());
    databaseUrl = await Promise.race([ready, timeout]);
    if (!databaseUrl) await shutdown('the embedded Postgres did not become ready within 120 s', 1);
    log(`embedded Postgres ready at ${databaseUrl}`);
  }

  // 3. Services
  const serviceEnv = {
    ...env,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    PORT: port,
    LOG_LEVEL: logLevel,
    PLEXMCP_DATA_DIR: dataDir,
    PLEXMCP_ENCRYPTION_KEYS: keyring,
  };
  for (const service of SERVICES) {
    if (shuttingDown) return;
    const supervised = new Supervised(service.name, () =>
      spawn(process.execPath, ['dist/main.js'], {
        cwd: path.join(root, service.dir),
        env: serviceEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached,
      }),
    );
    services.push(supervised);
    supervised.start();
  }
  log(`PlexMCP is starting: gateway on port ${port}; press Ctrl-C to stop`);
}

main().catch((err) => {
  process.stderr.write(
    `${'plexmcp'.padEnd(NAME_WIDTH)} | error: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});

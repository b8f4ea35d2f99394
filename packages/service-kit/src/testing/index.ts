import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureSchema } from '../database.js';
import { randomBase62 } from '@plexmcp/contracts';

/** The Postgres every test uses: `DATABASE_URL`, or the machine's local server. */
export function testDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
}

/**
 * A fixed keyring for `PLEXMCP_ENCRYPTION_KEYS` in tests (the key-service and the usage-service
 * refuse to start without one). Fixed, so a suite can restart a service and still read its rows;
 * for rotation tests, `Keyring.generateEntry(id)` makes further keys.
 */
export const TEST_ENCRYPTION_KEY_ID = 'test';
export function testEncryptionKeys(): string {
  return `${TEST_ENCRYPTION_KEY_ID}:${Buffer.alloc(32, 'plexmcp-test-encryption-key').toString('base64')}`;
}

/**
 * The Node flags a service runs with in production: `plexmcp.nodeFlags` of its package.json (the
 * one list `pnpm start`, the Dockerfile, compose and the k8s manifests repeat), so a test or a
 * benchmark that spawns the service runs it as it ships.
 */
export function serviceNodeFlags(manifestPath: string): string[] {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { plexmcp?: { nodeFlags?: string[] } };
  return manifest.plexmcp?.nodeFlags ?? [];
}

/** Networks test upstream MCP servers and webhook receivers listen on: loopback. */
export const LOOPBACK_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/**
 * What a suite passes to a service's `bootstrap()` (key-service and usage-service alike): its NATS,
 * the test Postgres in the suite's schema, quiet logs, the fixed test keyring, an ops port of its
 * own (0: any free one, so instances in one process do not collide).
 */
export function serviceTestOptions(natsUrl: string, dbSchema: string) {
  return {
    natsUrl,
    opsPort: 0,
    databaseUrl: testDatabaseUrl(),
    dbSchema,
    logLevel: 'silent',
    encryptionKeys: testEncryptionKeys(),
  };
}

/** The key-service's test options: small pool, quick shutdown, upstreams on loopback allowed. */
export function keyServiceTestOptions(natsUrl: string, dbSchema: string) {
  return {
    ...serviceTestOptions(natsUrl, dbSchema),
    dbPoolSize: 4,
    shutdownGraceMs: 50,
    mcpUpstreamAllowedNetworks: LOOPBACK_NETWORKS,
  };
}

/** A fresh schema per suite so suites never collide; drop it in afterAll. */
export function createTestSchema(prefix: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${prefix}_${randomBase62(8).toLowerCase()}`.replace(/[^a-z0-9_]/g, '_');
  return Promise.resolve({
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: testDatabaseUrl() });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  });
}

/** Polls until `check` returns a truthy value, or fails after the deadline. No blind sleeps. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 20, message = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${message}${lastError === undefined ? '' : `: ${describe(lastError)}`}`,
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : JSON.stringify(err);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on `port` of 127.0.0.1. */
export function isListening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

export interface IsolatedNats {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Restarts on the same port and store (for reconnect tests). */
  restart(): Promise<void>;
}

/** Starts a private nats-server with JetStream on a free port, for tests that stop the broker. */
export async function startIsolatedNats(): Promise<IsolatedNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(tmpdir(), 'plexmcp-nats-'));
  const binary = process.env.NATS_SERVER_BIN ?? 'nats-server';
  const url = `nats://127.0.0.1:${port}`;

  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
    });
    await waitFor(() => isListening(port), { timeoutMs: 10_000, message: `nats-server on ${port}` });
    return child;
  };

  const handle: IsolatedNats = {
    url,
    port,
    process: await launch(),
    async stop() {
      await stopChild(handle.process);
      rmSync(storeDir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(handle.process);
      handle.process = await launch();
    },
  };
  return handle;
}

/** Stops a child process with SIGTERM and waits for its exit (at once when it already exited). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * The statements TypeORM would run to make the database match the DataSource's entities: empty
 * when the entities describe the tables exactly as the migrations created them (no new migration
 * would be generated).
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

/**
 * A DataSource without entities on a fresh schema of the test database, for tests of the data
 * helpers themselves; `close()` destroys it and drops the schema.
 */
export async function openTestDataSource(
  prefix: string,
): Promise<{ dataSource: DataSource; schema: string; close: () => Promise<void> }> {
  const { schema, drop } = await createTestSchema(prefix);
  await ensureSchema(testDatabaseUrl(), schema);
  const dataSource = await new DataSource(
    dataSourceOptions({
      url: testDatabaseUrl(),
      schema,
      entities: [],
      migrations: [],
      poolSize: 2,
      applicationName: `${prefix}-test`,
    }),
  ).initialize();
  return {
    dataSource,
    schema,
    close: async () => {
      await dataSource.destroy();
      await drop();
    },
  };
}

export { type ManagementFixtures, actorOf, managementFixtures, mcpInitializeRequest } from './fixtures.js';
export { type ReceivedRequest, WebhookReceiver } from './receiver.js';
export { startSecuredNats, type SecuredNats, type SecuredNatsNode } from './nats-servers.js';
export {
  INSTALLED_DEPENDENCY_FIELDS,
  type PackageManifest,
  type PackedPackage,
  installPacked,
  npmPackFiles,
} from './packed-package.js';

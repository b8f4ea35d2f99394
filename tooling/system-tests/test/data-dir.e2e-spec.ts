// What `pnpm start` keeps in its data dir: an encryption keyring generated once and reused, and
// nothing in the directory readable by the group or others (keys, session secret, pid file, the
// NATS store it started). Runs against the machine's Postgres (test schemas) to stay quick.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type CreatedOrg,
  Subjects,
  createdOrgSchema,
  mcpViewSchema,
  resolveMcpReplySchema,
} from '@plexmcp/contracts';
import { Keyring, NatsRpcClient } from '@plexmcp/service-kit';
import { createTestSchema, freePort, testDatabaseUrl, waitFor } from '@plexmcp/service-kit/testing';
import { connectAsRole, startSystem, type StartedSystem } from '../src/index.js';

const READY_DEADLINE_MS = 60_000;

let system: StartedSystem | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  system?.kill();
  system = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ready(started: StartedSystem, port: number): Promise<void> {
  try {
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      { timeoutMs: READY_DEADLINE_MS, intervalMs: 250, message: `GET /readyz on port ${port}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output of pnpm start ---\n${started.output()}`, {
      cause: err,
    });
  }
}

async function stop(started: StartedSystem): Promise<void> {
  started.process.kill('SIGINT');
  expect(await started.exited).toEqual({ code: 0, signal: null });
}

/** Every file and directory under `dir` with its permission bits. */
function modes(dir: string): { path: string; mode: number }[] {
  const found = [{ path: dir, mode: statSync(dir).mode & 0o777 }];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...modes(full));
    else found.push({ path: full, mode: statSync(full).mode & 0o777 });
  }
  return found;
}

async function environment(): Promise<{ env: Record<string, string>; port: number; dataDir: string }> {
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'plexmcp-datadir-')), 'data');
  cleanups.push(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));
  const keys = await createTestSchema('sys_keys');
  const usage = await createTestSchema('sys_usage');
  cleanups.push(keys.drop, usage.drop);
  const port = await freePort();
  return {
    port,
    dataDir,
    env: {
      PORT: String(port),
      PLEXMCP_DATA_DIR: dataDir,
      DATABASE_URL: testDatabaseUrl(),
      KEY_SERVICE_DB_SCHEMA: keys.schema,
      USAGE_SERVICE_DB_SCHEMA: usage.schema,
      // Nothing answers there, so the supervisor starts its own nats-server with its store in the data dir.
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'warn',
    },
  };
}

describe('pnpm start: the data dir', () => {
  it('generates an encryption keyring once, keeps using it, and leaves nothing readable by others', async () => {
    const { env, port, dataDir } = await environment();
    const previous = process.umask(0o022); // a shell's usual umask: the supervisor must not rely on it
    try {
      system = startSystem(env);
    } finally {
      process.umask(previous);
    }
    await ready(system, port);

    const keyFile = path.join(dataDir, 'encryption-keys');
    const keyring = readFileSync(keyFile, 'utf8');
    expect(keyring).toMatch(/^k1:[A-Za-z0-9+/]{43}=\n$/);
    expect(Keyring.parse(keyring.trim()).primaryKeyId).toBe('k1');
    expect(system.output()).toContain(`generated the encryption key of stored secrets in ${keyFile}`);
    expect(system.output()).not.toContain(keyring.trim().slice(3));

    // An MCP with a secret header, stored under that key.
    // As the operator (organizations) and as a gateway (MCPs), with the credentials it generated.
    const opsNc = await connectAsRole(env.NATS_URL!, dataDir, 'ops', 'data-dir-test-ops');
    cleanups.push(() => opsNc.close());
    const nc = await connectAsRole(env.NATS_URL!, dataDir, 'gateway', 'data-dir-test');
    cleanups.push(() => nc.close());
    const rpc = new NatsRpcClient(nc, 5_000);
    const org: CreatedOrg = await new NatsRpcClient(opsNc, 5_000).call(
      Subjects.orgs.create,
      { name: 'Data Dir' },
      createdOrgSchema,
    );
    const mcp = await rpc.call(
      Subjects.mcps.create,
      {
        actor: { org_id: org.organization.id, key_id: org.admin_key.key.id, ip: null },
        body: {
          name: 'Docs',
          mode: 'live',
          upstream_url: 'https://mcp.example.com/mcp',
          upstream_headers: { Authorization: 'Bearer kept-across-restarts' },
        },
      },
      mcpViewSchema,
    );

    const written = modes(dataDir);
    for (const name of [
      'encryption-keys',
      'session-secret',
      'supervisor.pid',
      'nats',
      'nats-server.conf',
      'nats-credentials.json',
    ]) {
      expect(written.map((w) => path.relative(dataDir, w.path))).toContain(name);
    }
    expect(written.filter((w) => (w.mode & 0o077) !== 0)).toEqual([]);
    expect(written.find((w) => w.path === keyFile)?.mode).toBe(0o600);
    expect(written.find((w) => w.path === dataDir)?.mode).toBe(0o700);
    await stop(system);

    // A second start reuses the same key, so what was stored under it still decrypts.
    system = startSystem(env);
    await ready(system, port);
    expect(readFileSync(keyFile, 'utf8')).toBe(keyring);
    expect(system.output()).not.toContain('generated the encryption key');
    // The test's NATS connection reconnects to the nats-server the supervisor started again.
    const route = await waitFor(
      async () => (await rpc.call(Subjects.mcps.resolve, { id: mcp.id }, resolveMcpReplySchema)).route,
      { timeoutMs: 30_000, intervalMs: 250, message: 'mcps.resolve after the restart' },
    );
    expect(route.upstream_headers).toEqual({ Authorization: 'Bearer kept-across-restarts' });
    await stop(system);
    system = undefined;
  }, 180_000);

  it('uses PLEXMCP_ENCRYPTION_KEYS when set, and writes no key file', async () => {
    const { env, port, dataDir } = await environment();
    system = startSystem({ ...env, PLEXMCP_ENCRYPTION_KEYS: Keyring.generateEntry('ops1') });
    await ready(system, port);
    expect(readdirSync(dataDir)).not.toContain('encryption-keys');
    await stop(system);
    system = undefined;
  }, 120_000);
});

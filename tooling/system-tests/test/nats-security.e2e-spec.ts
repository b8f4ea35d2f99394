// The NATS boundary, tested as an adversary would probe it: a private nats-server runs PlexMCP's
// generated configuration (one user per role, permissions derived from the subjects), and the
// real services run from their built dist as child processes, each with its own credentials.
// Whatever credentials leak, a user can do only what its role needs: no anonymous access, no
// gateway creating organizations or answering key requests, no usage-service minting keys.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { type NatsRole, Subjects } from '@plexmcp/contracts';
import { connectNats } from '@plexmcp/service-kit';
import {
  type SecuredNats,
  createTestSchema,
  freePort,
  startSecuredNats,
  testDatabaseUrl,
  testEncryptionKeys,
  waitFor,
} from '@plexmcp/service-kit/testing';
import { api, createOrgWithCli, dataOf, readiness, repoRoot, runCli } from '../src/index.js';

let nats: SecuredNats;
const children: ChildProcess[] = [];
const connections: NatsConnection[] = [];
const drops: (() => Promise<void>)[] = [];
let baseUrl: string;

function startService(dir: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: path.join(repoRoot, dir),
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: testDatabaseUrl(),
      PLEXMCP_ENCRYPTION_KEYS: testEncryptionKeys(),
      LOG_LEVEL: 'warn',
      OPS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function as(role: NatsRole): Promise<NatsConnection> {
  const nc = await connectNats(nats.url, `adversary-${role}`, { auth: nats.users[role], role });
  connections.push(nc);
  return nc;
}

/** The error a request as `role` fails with (it must fail). */
async function refusedRequest(role: NatsRole, subject: string): Promise<string> {
  const nc = await as(role);
  const error = await nc.request(subject, '{}', { timeout: 2_000 }).then(
    () => null,
    (err: Error) => err.message,
  );
  expect(error).not.toBeNull();
  return error!;
}

/** The error a subscription as `role` is closed with (it must be refused). */
async function refusedSubscription(role: NatsRole, subject: string): Promise<string | undefined> {
  const nc = await as(role);
  const sub = nc.subscribe(subject);
  await nc.flush();
  const closed = await Promise.race([sub.closed, new Promise((r) => setTimeout(() => r('open'), 2_000))]);
  return closed instanceof Error ? closed.message : String(closed);
}

beforeAll(async () => {
  nats = await startSecuredNats();
  const keys = await createTestSchema('natsec_keys');
  const usage = await createTestSchema('natsec_usage');
  drops.push(keys.drop, usage.drop);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  startService('apps/key-service', {
    ...nats.env('key-service'),
    KEY_SERVICE_DB_SCHEMA: keys.schema,
    // A revoke waits this long for a gateway's acknowledgement that never comes.
    KEY_EVENT_ACK_TIMEOUT_MS: '5000',
  });
  startService('apps/usage-service', { ...nats.env('usage-service'), USAGE_SERVICE_DB_SCHEMA: usage.schema });
  startService('apps/api-gateway', {
    ...nats.env('gateway'),
    PORT: String(port),
    HOST: '127.0.0.1',
    HEARTBEAT_INTERVAL_MS: '200',
  });
  // Ready means the gateway reached both services' health subjects over NATS as `gateway`.
  await waitFor(async () => (await readiness(baseUrl)).status === 200, {
    timeoutMs: 60_000,
    intervalMs: 250,
    message: 'the gateway to be ready',
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const drop of drops) await drop();
  await nats?.stop();
});

describe('NATS security boundary', () => {
  it('refuses a connection without credentials, or with another role’s password', async () => {
    await expect(connect({ servers: nats.url, reconnect: false, timeout: 3_000 })).rejects.toThrow(
      /Authorization Violation/,
    );
    await expect(
      connect({
        servers: nats.url,
        user: 'gateway',
        pass: nats.users.ops.password,
        reconnect: false,
        timeout: 3_000,
      }),
    ).rejects.toThrow(/Authorization Violation/);
  });

  it('makes the CLI say what is wrong without the ops credentials', async () => {
    await expect(createOrgWithCli('Anonymous', nats.url)).rejects.toThrow(/refused this client/);
    await expect(createOrgWithCli('As gateway', nats.url, undefined, nats.env('gateway'))).rejects.toThrow(
      /may not request orgs\.create/,
    );
  });

  it('does not let the gateway create or change organizations', async () => {
    expect(await refusedRequest('gateway', Subjects.orgs.create)).toMatch(
      /Permissions Violation for Publish to "orgs.create"/,
    );
    expect(await refusedRequest('gateway', Subjects.orgs.update)).toMatch(/Permissions Violation/);
  });

  it('lets nobody but the key-service answer keys.* or mcps.*, nor read other roles’ replies', async () => {
    for (const role of ['gateway', 'usage-service', 'ops'] as const) {
      expect(await refusedSubscription(role, 'keys.>')).toMatch(/Permissions Violation for Subscription/);
      expect(await refusedSubscription(role, Subjects.keys.validate)).toMatch(/Permissions Violation/);
      expect(await refusedSubscription(role, Subjects.mcps.resolve)).toMatch(/Permissions Violation/);
      // Replies (admin keys, upstream headers) go to each role's own inboxes only.
      expect(await refusedSubscription(role, '_INBOX.>')).toMatch(/Permissions Violation/);
    }
  });

  it('does not let the usage-service mint keys, nor it or ops read MCP secrets or validate keys', async () => {
    expect(await refusedRequest('usage-service', Subjects.keys.create)).toMatch(
      /Permissions Violation for Publish to "keys.create"/,
    );
    expect(await refusedRequest('usage-service', Subjects.mcps.resolve)).toMatch(/Permissions Violation/);
    expect(await refusedRequest('ops', Subjects.mcps.resolve)).toMatch(/Permissions Violation/);
    expect(await refusedRequest('ops', Subjects.keys.validate)).toMatch(/Permissions Violation/);
    expect(await refusedRequest('ops', Subjects.keys.rotate)).toMatch(/Permissions Violation/);
  });

  it('serves a request end to end with each service on its own credentials', async () => {
    // The operator creates an organization with the real CLI, as the ops user.
    const org = await createOrgWithCli('Secured', nats.url, undefined, nats.env('ops'));
    const admin = org.admin_key.secret;

    expect((await api(baseUrl, 'GET', '/v1/me', admin)).status).toBe(200); // keys.validate
    const created = await api(baseUrl, 'POST', '/v1/keys', admin, { name: 'app', expires_in: '30d' });
    expect(created.status).toBe(201); // keys.create
    const key = dataOf<{ id: string; secret: string }>(created);
    expect((await api(baseUrl, 'GET', '/v1/me', key.secret)).status).toBe(200);
    // Revocation: the key-service's event reaches the gateway, whose acknowledgement (a reply
    // allowed by allow_responses) reaches back well before the 5 s the revoke would wait without.
    const revokeStarted = Date.now();
    expect((await api(baseUrl, 'DELETE', `/v1/keys/${key.id}`, admin)).status).toBe(200);
    expect(Date.now() - revokeStarted).toBeLessThan(2_500);
    expect((await api(baseUrl, 'GET', '/v1/me', key.secret)).status).toBe(401);

    // The operator's key commands, as ops: create, list, revoke.
    const ops = nats.env('ops');
    const opsKey = JSON.parse(
      await runCli(['keys', 'create', '--org', org.organization.id, '--name', 'ops-made', '--json'], ops),
    ) as { key: { id: string }; secret: string };
    expect((await api(baseUrl, 'GET', '/v1/me', opsKey.secret)).status).toBe(200);
    const listed = JSON.parse(
      await runCli(['keys', 'list', '--org', org.organization.id, '--json'], ops),
    ) as {
      keys: { id: string }[];
    };
    expect(listed.keys.map((k) => k.id)).toContain(opsKey.key.id);
    await runCli(['keys', 'revoke', '--org', org.organization.id, '--id', opsKey.key.id, '--json'], ops);
    expect((await api(baseUrl, 'GET', '/v1/me', opsKey.secret)).status).toBe(401);

    // Usage events: gateway → JetStream (stream managed by the usage-service) → usage-service.
    const total = await waitFor(
      async () => {
        const usage = await api(baseUrl, 'GET', '/v1/usage', admin);
        const requests = dataOf<{ total_requests: number }>(usage).total_requests;
        return requests >= 3 ? requests : null;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'the requests counted by the usage-service' },
    );
    expect(total).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

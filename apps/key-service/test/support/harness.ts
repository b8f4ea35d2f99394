import {
  type Actor,
  AppError,
  type CreatedKey,
  type CreatedOrg,
  type McpView,
  Subjects,
  createdKeySchema,
  createdOrgSchema,
  hashApiKey,
  mcpViewSchema,
  validateKeyReplySchema,
  type ValidateKeyReply,
} from '@plexmcp/contracts';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  createTestSchema,
  startIsolatedNats,
  testDatabaseUrl,
  testEncryptionKeys,
  type IsolatedNats,
} from '@plexmcp/service-kit/testing';
import pg from 'pg';
import { bootstrap, type KeyServiceHandle, type KeyServiceOverrides } from '../../src/index.js';

/** Test upstream MCP servers listen on loopback, which an MCP may only point to when allowed. */
export const LOOPBACK_NETWORKS = ['127.0.0.0/8', '::1/128'];

/**
 * One suite's world: a private nats-server, a private Postgres schema, one key-service instance
 * (more on demand) and a plain NATS client calling it the way the gateway and the CLI do.
 */
export interface Harness {
  nats: IsolatedNats;
  schema: string;
  service: KeyServiceHandle;
  nc: NatsConnection;
  rpc: NatsRpcClient;
  db: pg.Client;
  startInstance(overrides?: KeyServiceOverrides): Promise<KeyServiceHandle>;
  close(): Promise<void>;
}

export async function startHarness(name: string, overrides: KeyServiceOverrides = {}): Promise<Harness> {
  const nats = await startIsolatedNats();
  const { schema, drop } = await createTestSchema(name);
  const instances: KeyServiceHandle[] = [];
  const startInstance = async (more: KeyServiceOverrides = {}) => {
    const handle = await bootstrap({
      natsUrl: nats.url,
      opsPort: 0,
      databaseUrl: testDatabaseUrl(),
      dbSchema: schema,
      logLevel: 'silent',
      dbPoolSize: 4,
      shutdownGraceMs: 50,
      mcpUpstreamAllowedNetworks: LOOPBACK_NETWORKS,
      encryptionKeys: testEncryptionKeys(),
      ...overrides,
      ...more,
    });
    instances.push(handle);
    return handle;
  };
  const service = await startInstance();
  const nc = await connectNats(nats.url, `test-${name}`);
  const db = new pg.Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  await db.query(`SET search_path TO "${schema}"`);
  return {
    nats,
    schema,
    service,
    nc,
    rpc: new NatsRpcClient(nc, 5_000),
    db,
    startInstance,
    async close() {
      await Promise.allSettled(instances.map((i) => i.close()));
      await nc.close();
      await db.end();
      await drop();
      await nats.stop();
    },
  };
}

export function actorOf(
  created: { key: { id: string; organization_id: string } },
  ip: string | null = '203.0.113.7',
): Actor {
  return { org_id: created.key.organization_id, key_id: created.key.id, ip };
}

export async function createOrg(
  h: Harness,
  name = 'Acme',
  extra: Record<string, unknown> = {},
): Promise<CreatedOrg> {
  return h.rpc.call(Subjects.orgs.create, { name, ...extra }, createdOrgSchema);
}

/** A new organization's admin key, as the actor of management calls. */
export async function createAdmin(h: Harness, orgName: string): Promise<Actor> {
  return actorOf((await createOrg(h, orgName)).admin_key);
}

export async function createMcp(
  h: Harness,
  actor: Actor,
  body: Record<string, unknown> = {},
): Promise<McpView> {
  return h.rpc.call(
    Subjects.mcps.create,
    {
      actor,
      body: { name: 'Weather', mode: 'live', upstream_url: 'https://mcp.example.com/weather', ...body },
    },
    mcpViewSchema,
  );
}

export async function createKey(
  h: Harness,
  actor: Actor,
  body: Record<string, unknown> = {},
): Promise<CreatedKey> {
  return h.rpc.call(Subjects.keys.create, { actor, body: { name: 'Worker', ...body } }, createdKeySchema);
}

export async function validate(h: Harness, secret: string): Promise<ValidateKeyReply> {
  return h.rpc.call(Subjects.keys.validate, { key_hash: hashApiKey(secret) }, validateKeyReplySchema);
}

/** The AppError a call fails with; any other error, or success, fails the test. */
export async function rejection(
  promise: Promise<unknown>,
  unexpectedSuccess = 'expected the call to fail',
): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(unexpectedSuccess);
}

import {
  type Actor,
  AppError,
  Subjects,
  hashApiKey,
  validateKeyReplySchema,
  type ValidateKeyReply,
} from '@plexmcp/contracts';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  type IsolatedNats,
  type ManagementFixtures,
  actorOf as actorOfKey,
  createTestSchema,
  keyServiceTestOptions,
  managementFixtures,
  startIsolatedNats,
  testDatabaseUrl,
} from '@plexmcp/service-kit/testing';
import pg from 'pg';
import { bootstrap, type KeyServiceHandle, type KeyServiceOverrides } from '../../src/index.js';

/**
 * One suite's world: a private nats-server, a private Postgres schema, one key-service instance
 * (more on demand) and a plain NATS client calling it the way the gateway and the CLI do. Its
 * management fixtures register MCPs at https://mcp.example.com/weather unless told otherwise.
 */
export interface Harness extends ManagementFixtures {
  nats: IsolatedNats;
  schema: string;
  service: KeyServiceHandle;
  nc: NatsConnection;
  rpc: NatsRpcClient;
  db: pg.Client;
  startInstance(overrides?: KeyServiceOverrides): Promise<KeyServiceHandle>;
  /** A new organization's admin key, as the actor of management calls. */
  createAdmin(orgName: string): Promise<Actor>;
  /** What the gateway learns of a presented secret. */
  validate(secret: string): Promise<ValidateKeyReply>;
  close(): Promise<void>;
}

export async function startHarness(name: string, overrides: KeyServiceOverrides = {}): Promise<Harness> {
  const nats = await startIsolatedNats();
  const { schema, drop } = await createTestSchema(name);
  const instances: KeyServiceHandle[] = [];
  const startInstance = async (more: KeyServiceOverrides = {}) => {
    const handle = await bootstrap({ ...keyServiceTestOptions(nats.url, schema), ...overrides, ...more });
    instances.push(handle);
    return handle;
  };
  const service = await startInstance();
  const nc = await connectNats(nats.url, `test-${name}`);
  const rpc = new NatsRpcClient(nc, 5_000);
  const db = new pg.Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  await db.query(`SET search_path TO "${schema}"`);
  const fixtures = managementFixtures(rpc, { upstreamUrl: 'https://mcp.example.com/weather' });
  return {
    ...fixtures,
    nats,
    schema,
    service,
    nc,
    rpc,
    db,
    startInstance,
    createAdmin: async (orgName) => actorOf((await fixtures.createOrg({ name: orgName })).admin_key),
    validate: (secret) =>
      rpc.call(Subjects.keys.validate, { key_hash: hashApiKey(secret) }, validateKeyReplySchema),
    async close() {
      await Promise.allSettled(instances.map((i) => i.close()));
      await nc.close();
      await db.end();
      await drop();
      await nats.stop();
    },
  };
}

/** The acting key of a management call, from a documentation address unless `ip` is given. */
export function actorOf(
  created: { key: { id: string; organization_id: string } },
  ip: string | null = '203.0.113.7',
): Actor {
  return actorOfKey(created, ip);
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

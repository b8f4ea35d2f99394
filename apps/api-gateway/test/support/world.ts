import {
  type Actor,
  type CreatedKey,
  type CreatedOrg,
  type McpView,
  Subjects,
  createdKeySchema,
  createdOrgSchema,
  mcpViewSchema,
  organizationViewSchema,
} from '@plexmcp/contracts';
import {
  bootstrap as bootstrapKeyService,
  type KeyServiceHandle,
  type KeyServiceOverrides,
} from '@plexmcp/key-service';
import { bootstrap as bootstrapUsageService, type UsageServiceHandle } from '@plexmcp/usage-service';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  createTestSchema,
  startIsolatedNats,
  testDatabaseUrl,
  testEncryptionKeys,
  type IsolatedNats,
} from '@plexmcp/service-kit/testing';
import { bootstrap, type GatewayEnv, type GatewayHandle } from '../../src/index.js';

/** Test upstream MCP servers listen on loopback, which upstreams may only reach when allowed. */
export const LOOPBACK_NETWORKS = ['127.0.0.0/8', '::1/128'];

/**
 * One suite's world, all real: a private nats-server, a private Postgres schema, the key-service
 * booted through its own bootstrap(), and as many gateways as the suite asks for.
 */
export interface World {
  nats: IsolatedNats;
  nc: NatsConnection;
  rpc: NatsRpcClient;
  keyService: KeyServiceHandle | null;
  usageService: UsageServiceHandle | null;
  gateways: GatewayHandle[];
  /** The real usage-service, in a schema of its own. */
  startUsageService(): Promise<UsageServiceHandle>;
  stopUsageService(): Promise<void>;
  /** The key-service; upstreams on loopback are allowed unless `overrides` say otherwise. */
  startKeyService(overrides?: KeyServiceOverrides): Promise<KeyServiceHandle>;
  stopKeyService(): Promise<void>;
  /** A gateway; upstreams on loopback are allowed unless `overrides` say otherwise. */
  startGateway(overrides?: GatewayEnv): Promise<GatewayHandle>;
  close(): Promise<void>;
}

export async function startWorld(name: string, options: { keyService?: boolean } = {}): Promise<World> {
  const nats = await startIsolatedNats();
  const { schema, drop } = await createTestSchema(`gw_${name}`);
  const nc = await connectNats(nats.url, `test-${name}`);
  let usageSchema: { schema: string; drop: () => Promise<void> } | null = null;
  const world: World = {
    nats,
    nc,
    rpc: new NatsRpcClient(nc, 5_000),
    keyService: null,
    usageService: null,
    gateways: [],
    async startUsageService() {
      usageSchema ??= await createTestSchema(`gw_usage_${name}`);
      world.usageService = await bootstrapUsageService({
        natsUrl: nats.url,
        opsPort: 0,
        databaseUrl: testDatabaseUrl(),
        dbSchema: usageSchema.schema,
        logLevel: 'silent',
        encryptionKeys: testEncryptionKeys(),
        env: { LIMITS_SWEEP_MS: '100' },
      });
      return world.usageService;
    },
    async stopUsageService() {
      await world.usageService?.close();
      world.usageService = null;
    },
    async startKeyService(overrides = {}) {
      world.keyService = await bootstrapKeyService({
        natsUrl: nats.url,
        opsPort: 0,
        databaseUrl: testDatabaseUrl(),
        dbSchema: schema,
        logLevel: 'silent',
        dbPoolSize: 4,
        shutdownGraceMs: 50,
        mcpUpstreamAllowedNetworks: LOOPBACK_NETWORKS,
        ...overrides,
        encryptionKeys: testEncryptionKeys(),
      });
      return world.keyService;
    },
    async stopKeyService() {
      await world.keyService?.close();
      world.keyService = null;
    },
    async startGateway(overrides = {}) {
      const gateway = await bootstrap({
        NATS_URL: nats.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        HEARTBEAT_INTERVAL_MS: '200',
        MCP_UPSTREAM_ALLOWED_NETWORKS: LOOPBACK_NETWORKS.join(','),
        ...overrides,
      });
      world.gateways.push(gateway);
      return gateway;
    },
    async close() {
      await Promise.allSettled(world.gateways.map((g) => g.close()));
      await world.stopKeyService().catch(() => undefined);
      await world.stopUsageService().catch(() => undefined);
      await nc.close();
      await drop();
      await usageSchema?.drop();
      await nats.stop();
    },
  };
  if (options.keyService !== false) await world.startKeyService();
  return world;
}

export function actorOf(created: CreatedKey, ip: string | null = null): Actor {
  return { org_id: created.key.organization_id, key_id: created.key.id, ip };
}

export async function createOrg(world: World, extra: Record<string, unknown> = {}): Promise<CreatedOrg> {
  return world.rpc.call(Subjects.orgs.create, { name: 'Acme', ...extra }, createdOrgSchema);
}

export async function suspendOrg(world: World, orgId: string): Promise<void> {
  await world.rpc.call(
    Subjects.orgs.update,
    { id: orgId, body: { status: 'suspended' } },
    organizationViewSchema,
  );
}

export async function createMcp(
  world: World,
  actor: Actor,
  body: Record<string, unknown> = {},
): Promise<McpView> {
  return world.rpc.call(
    Subjects.mcps.create,
    { actor, body: { name: 'Weather', mode: 'live', upstream_url: 'http://127.0.0.1:9/mcp', ...body } },
    mcpViewSchema,
  );
}

export async function createKey(
  world: World,
  actor: Actor,
  body: Record<string, unknown> = {},
): Promise<CreatedKey> {
  return world.rpc.call(Subjects.keys.create, { actor, body: { name: 'Worker', ...body } }, createdKeySchema);
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON (or the raw text); tests inspect it field by field. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON from the server
  body: any;
}

/**
 * One MCP request through the gateway's MCP endpoint, as a client's first call: a JSON-RPC
 * `initialize` (an upstream started with `json: true` answers it with a JSON body).
 */
export async function mcpRequest(
  base: string,
  mcpId: string,
  key: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return http(base, `/v1/mcps/${mcpId}/mcp`, {
    method: 'POST',
    key,
    headers: { accept: 'application/json, text/event-stream', ...headers },
    body: {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'plexmcp-test', version: '1.0.0' },
      },
    },
  });
}

/** A plain HTTP call as a client makes it; the body is parsed when it is JSON. */
export async function http(
  base: string,
  path: string,
  init: {
    method?: string;
    key?: string | null;
    authorization?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  else if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    // What the gateway answered, not where a redirect leads.
    redirect: 'manual',
    method: init.method ?? 'GET',
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

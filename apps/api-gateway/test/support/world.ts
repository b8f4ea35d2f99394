import { afterAll, beforeAll } from '@jest/globals';
import type { CreatedKey, CreatedOrg, McpView } from '@plexmcp/contracts';
import { type UpstreamMcp, startUpstreamMcp } from '@plexmcp/upstream-mcp';
import { type UsageServiceHandle, bootstrap as bootstrapUsageService } from '@plexmcp/usage-service';
import {
  type KeyServiceHandle,
  type KeyServiceOverrides,
  type LinkMail,
  bootstrap as bootstrapKeyService,
} from '@plexmcp/key-service';
import { NatsRpcClient, connectNats, type NatsConnection } from '@plexmcp/service-kit';
import {
  type IsolatedNats,
  LOOPBACK_NETWORKS,
  type ManagementFixtures,
  createTestSchema,
  keyServiceTestOptions,
  actorOf,
  managementFixtures,
  mcpInitializeRequest,
  serviceTestOptions,
  startIsolatedNats,
} from '@plexmcp/service-kit/testing';
import { bootstrap, type GatewayEnv, type GatewayHandle } from '../../src/index.js';

export { LOOPBACK_NETWORKS, actorOf } from '@plexmcp/service-kit/testing';

/**
 * One suite's world, all real: a private nats-server, a private Postgres schema, the key-service
 * booted through its own bootstrap(), and as many gateways as the suite asks for. Its management
 * fixtures register MCPs at a closed port of loopback unless told otherwise.
 */
export interface World extends ManagementFixtures {
  nats: IsolatedNats;
  nc: NatsConnection;
  rpc: NatsRpcClient;
  keyService: KeyServiceHandle | null;
  usageService: UsageServiceHandle | null;
  gateways: GatewayHandle[];
  /** Every one-time link the key-service mailed (set password, reset, invitation), oldest first. */
  mailbox: LinkMail[];
  /** The token of the newest link mailed to `to`. */
  lastLinkTo(to: string): string;
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
  const rpc = new NatsRpcClient(nc, 5_000);
  let usageSchema: { schema: string; drop: () => Promise<void> } | null = null;
  const world: World = {
    ...managementFixtures(rpc, { upstreamUrl: 'http://127.0.0.1:9/mcp' }),
    nats,
    nc,
    rpc,
    keyService: null,
    usageService: null,
    gateways: [],
    mailbox: [],
    lastLinkTo(to) {
      const mail = world.mailbox.findLast((m) => m.to.toLowerCase() === to.toLowerCase());
      const token = mail && new URL(mail.link).hash.match(/token=([^&]+)/)?.[1];
      if (!token) throw new Error(`no link was mailed to ${to}`);
      return token;
    },
    async startUsageService() {
      usageSchema ??= await createTestSchema(`gw_usage_${name}`);
      world.usageService = await bootstrapUsageService({
        ...serviceTestOptions(nats.url, usageSchema.schema),
        env: { LIMITS_SWEEP_MS: '100' },
      });
      return world.usageService;
    },
    async stopUsageService() {
      await world.usageService?.close();
      world.usageService = null;
    },
    async startKeyService(overrides = {}) {
      world.keyService = await bootstrapKeyService(
        { ...keyServiceTestOptions(nats.url, schema), ...overrides },
        {
          mail: {
            send: (mail) => {
              world.mailbox.push(mail);
              return Promise.resolve();
            },
          },
        },
      );
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

/** What a gateway suite works with; its fields are set before the suite's first test. */
export interface GatewaySuite {
  world: World;
  gateway: GatewayHandle;
  /** The suite's organization ("Acme") and its admin key. */
  org: CreatedOrg;
  admin: CreatedKey;
}

/**
 * Registers the hooks most gateway suites begin with: before their tests, a world (with the
 * usage-service when asked), one gateway with `gatewayEnv` and an organization; after them, the
 * world closed. A suite's own hooks run after these and see the fields set.
 */
export function gatewaySuite(
  name: string,
  options: { usageService?: boolean; gatewayEnv?: GatewayEnv } = {},
): GatewaySuite {
  const suite = {} as GatewaySuite;
  beforeAll(async () => {
    suite.world = await startWorld(name);
    if (options.usageService) await suite.world.startUsageService();
    suite.gateway = await suite.world.startGateway(options.gatewayEnv);
    suite.org = await suite.world.createOrg();
    suite.admin = suite.org.admin_key;
  });
  afterAll(async () => {
    await suite.world?.close();
  });
  return suite;
}

/** A gateway suite about MCP traffic: also a JSON upstream and the organization's MCP in front of it. */
export interface McpSuite extends GatewaySuite {
  /** An upstream MCP server answering plain JSON. */
  upstream: UpstreamMcp;
  mcp: McpView;
}

export function mcpSuite(
  name: string,
  options: { usageService?: boolean; gatewayEnv?: GatewayEnv } = {},
): McpSuite {
  const suite = gatewaySuite(name, options) as McpSuite;
  beforeAll(async () => {
    suite.upstream = await startUpstreamMcp({ json: true });
    suite.mcp = await suite.world.createMcp(actorOf(suite.admin), { upstream_url: suite.upstream.url });
  });
  afterAll(async () => {
    await suite.upstream?.close();
  });
  return suite;
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
    body: mcpInitializeRequest(),
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

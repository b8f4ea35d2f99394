/* eslint-disable @typescript-eslint/no-unsafe-member-access -- HTTP bodies are JSON inspected field by field */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CreatedKey } from '@plexmcp/contracts';
import { pino } from 'pino';
import { bootstrap, type GatewayHandle } from '../src/index.js';
import { UpstreamPools } from '../src/mcps/proxy/upstream-pools.js';
import { LOOPBACK_NETWORKS, http, startWorld, type World } from './support/world.js';

/** An upstream on loopback that counts every TCP connection and request it gets. */
class CountingUpstream {
  connections = 0;
  readonly requests: IncomingHttpHeaders[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.headers);
      req.resume();
      req.on('end', () => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","id":1,"result":{}}');
      });
    });
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const LOOPBACK_URLS = (port: number) => [
  `http://127.0.0.1:${port}/mcp`,
  `http://[::1]:${port}/`,
  `http://0x7f000001:${port}/`,
  `http://2130706433:${port}/`,
  `http://0177.0.0.1:${port}/`,
  `http://127.1:${port}/`,
  `http://[::127.0.0.1]:${port}/`,
  `http://[::7f00:1]:${port}/`,
  `http://[::ffff:7f00:1]:${port}/`,
  `http://localhost:${port}/mcp`,
];
const METADATA_URLS = [
  'http://169.254.169.254/latest/meta-data',
  'http://[::ffff:169.254.169.254]/',
  'http://[::a9fe:a9fe]/',
  'http://2852039166/',
  'http://[fd00:ec2::254]/',
  'http://[fe80::1]/',
];

const VARIABLE = 'MCP_UPSTREAM_ALLOWED_NETWORKS';

describe('MCP upstream addresses (SSRF), through the gateway', () => {
  let world: World;
  let gateway: GatewayHandle;
  let admin: CreatedKey;
  const upstream = new CountingUpstream();

  const register = (upstreamUrl: string) =>
    http(gateway.url, '/v1/mcps', {
      method: 'POST',
      key: admin.secret,
      body: { name: 'Target', upstream_url: upstreamUrl, upstream_headers: { 'X-Upstream-Token': 'sekrit' } },
    });

  beforeAll(async () => {
    await upstream.start();
    world = await startWorld('upstream_ssrf', { keyService: false });
    await world.startKeyService({ mcpUpstreamAllowedNetworks: [] });
    gateway = await world.startGateway();
    admin = (await world.createOrg()).admin_key;
  });
  afterAll(async () => {
    await world?.close();
    await upstream.stop();
  });

  it('refuses loopback upstreams in every spelling with 400 naming MCP_UPSTREAM_ALLOWED_NETWORKS', async () => {
    for (const url of [
      ...LOOPBACK_URLS(upstream.port),
      'http://10.0.0.1/mcp',
      `http://${gateway.url.slice(7)}/metrics`,
    ]) {
      const res = await register(url);
      expect([url, res.status, res.body.error?.code]).toEqual([url, 400, 'validation_error']);
      expect(res.body.error.message).toContain(VARIABLE);
      expect(res.body.error.details).toEqual([
        { field: 'upstream_url', message: expect.stringContaining(VARIABLE) },
      ]);
      expect(res.body.error.request_id).toEqual(expect.any(String));
    }
  });

  it('refuses metadata and link-local upstreams', async () => {
    for (const url of METADATA_URLS) {
      const res = await register(url);
      expect([url, res.status, res.body.error?.code]).toEqual([url, 400, 'validation_error']);
      expect(res.body.error.message).toContain(VARIABLE);
    }
  });

  it('refuses an update to a loopback upstream', async () => {
    const created = await register('https://8.8.8.8/mcp');
    expect(created.status).toBe(201);
    const res = await http(gateway.url, `/v1/mcps/${created.body.data.id}`, {
      method: 'PATCH',
      key: admin.secret,
      body: { upstream_url: `http://127.0.0.1:${upstream.port}/mcp` },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(VARIABLE);
  });

  describe('with MCP_UPSTREAM_ALLOWED_NETWORKS=127.0.0.0/8,::1/128', () => {
    let closedGateway: GatewayHandle;
    const logLines: string[] = [];

    beforeAll(async () => {
      await world.stopKeyService();
      await world.startKeyService({ mcpUpstreamAllowedNetworks: LOOPBACK_NETWORKS });
      // A gateway that allows no private network, logging to memory.
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(...chunk.toString().split('\n').filter(Boolean));
          done();
        },
      });
      closedGateway = await bootstrap(
        { NATS_URL: world.nats.url, PORT: '0', HOST: '127.0.0.1', HEARTBEAT_INTERVAL_MS: '200' },
        { logger: pino({ level: 'warn' }, sink) },
      );
      world.gateways.push(closedGateway);
    });

    it('registers loopback upstreams, but never metadata ones', async () => {
      for (const url of LOOPBACK_URLS(upstream.port)) {
        const res = await register(url);
        expect([url, res.status]).toEqual([url, 201]);
      }
      for (const url of METADATA_URLS) {
        const res = await register(url);
        expect([url, res.status]).toEqual([url, 400]);
        expect(res.body.error.message).toContain('cannot allow');
      }
    });

    it('refuses at connect time what the gateway does not allow: 502, the upstream never contacted', async () => {
      const call = (base: string, mcpId: string, key: string) =>
        http(base, `/v1/mcps/${mcpId}/mcp`, {
          method: 'POST',
          key,
          headers: { accept: 'application/json, text/event-stream' },
          body: { jsonrpc: '2.0', id: 1, method: 'ping' },
        });
      const key = (
        await http(gateway.url, '/v1/keys', { method: 'POST', key: admin.secret, body: { name: 'Caller' } })
      ).body.data as { secret: string };
      expect(key.secret).toMatch(/^pk_live_/);

      for (const url of [`http://127.0.0.1:${upstream.port}/mcp`, `http://localhost:${upstream.port}/mcp`]) {
        const mcp = (await register(url)).body.data as { id: string };
        const before = { connections: upstream.connections, requests: upstream.requests.length };
        const refused = await call(closedGateway.url, mcp.id, key.secret);
        expect([url, refused.status, refused.body.error?.code]).toEqual([url, 502, 'upstream_error']);
        expect(refused.body.error.message).toContain('MCP_UPSTREAM_ALLOWED_NETWORKS');
        expect(refused.body.error.message).not.toContain('127.0.0.1');
        const requestId = refused.body.error.request_id as string;
        expect(refused.headers.get('x-request-id')).toBe(requestId);
        expect(upstream.connections).toBe(before.connections);
        expect(upstream.requests).toHaveLength(before.requests);
        const logged = logLines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.request_id === requestId);
        expect(logged).toMatchObject({ msg: 'upstream address refused', mcp_id: mcp.id });
        expect(JSON.stringify(logLines)).not.toContain('sekrit');

        // The same MCP through a gateway that allows loopback: the upstream answers.
        const served = await call(gateway.url, mcp.id, key.secret);
        expect(served.status).toBe(200);
        expect(upstream.requests.at(-1)?.['x-upstream-token']).toBe('sekrit');
      }
    });
  });
});

describe('upstream connections when DNS answers differently at connect time (rebinding)', () => {
  const upstream = new CountingUpstream();
  /** A resolver hook: every name now resolves to loopback, whatever it resolved to at registration. */
  const rebound: LookupFunction = (_hostname, _options, callback) =>
    callback(null, [{ address: '127.0.0.1', family: 4 }] as never);

  beforeAll(() => upstream.start());
  afterAll(() => upstream.stop());

  const pools = (allowedNetworks: readonly string[]) =>
    new UpstreamPools({
      connections: 1,
      headersTimeoutMs: 5_000,
      bodyTimeoutMs: 5_000,
      allowedNetworks,
      lookup: rebound,
    });

  const get = async (p: UpstreamPools, url: string) => {
    const target = p.target(url);
    try {
      const res = await target.pool.request({
        path: target.path,
        method: 'GET',
        headers: { 'x-upstream-token': 'sekrit' },
      });
      await res.body.text();
      return res.statusCode;
    } finally {
      await p.close();
    }
  };

  it('refuses the rebound address on the socket; nothing reaches the upstream', async () => {
    await expect(
      get(pools([]), `http://public-at-registration.example:${upstream.port}/mcp`),
    ).rejects.toMatchObject({
      code: 'EBLOCKEDADDRESS',
    });
    await expect(get(pools([]), `http://127.0.0.1:${upstream.port}/mcp`)).rejects.toMatchObject({
      code: 'EBLOCKEDADDRESS',
    });
    await expect(get(pools([]), `http://[::ffff:7f00:1]:${upstream.port}/mcp`)).rejects.toMatchObject({
      code: 'EBLOCKEDADDRESS',
    });
    await expect(
      get(pools(['0.0.0.0/0', '::/0']), `http://[::ffff:169.254.169.254]:${upstream.port}/`),
    ).rejects.toMatchObject({ code: 'EBLOCKEDADDRESS' });
    expect(upstream.connections).toBe(0);
  });

  it('connects through the same resolver when the address is allowed', async () => {
    expect(
      await get(pools(LOOPBACK_NETWORKS), `http://public-at-registration.example:${upstream.port}/mcp`),
    ).toBe(200);
    expect(upstream.connections).toBe(1);
  });
});

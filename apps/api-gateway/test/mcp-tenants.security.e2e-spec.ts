/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- HTTP bodies are JSON inspected field by field */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CreatedKey, CreatedOrg, McpView } from '@plexmcp/contracts';
import { startUpstreamMcp, type UpstreamMcp } from '@plexmcp/upstream-mcp';
import type { GatewayHandle } from '../src/index.js';
import {
  HOSTILE_RESPONSE_HEADERS,
  startScriptedUpstream,
  type ScriptedUpstream,
} from './support/scripted-upstream.js';
import { actorOf, http, startWorld, type World } from './support/world.js';

const SESSION_SECRET = 'a-test-secret-that-is-long-enough-000';
const PROTOCOL = '2025-06-18';

interface HeldStream {
  status: number;
  /** Whether the stream ends (cleanly or cut) within `ms`. */
  endsWithin(ms: number): Promise<boolean>;
  /** The client goes away. */
  close(): void;
}

/**
 * A GET on the MCP endpoint held open by the upstream (an SSE stream), on a connection of its own
 * (node:http without an agent: closing it leaves no pooled connection behind).
 */
function openStream(base: string, mcpId: string, key: string): Promise<HeldStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}/v1/mcps/${mcpId}/mcp`,
      { agent: false, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } },
      (res) => {
        let ended = false;
        const waiters: (() => void)[] = [];
        const end = (): void => {
          ended = true;
          for (const w of waiters.splice(0)) w();
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          endsWithin: (ms) =>
            new Promise<boolean>((done) => {
              if (ended) return done(true);
              const timer = setTimeout(() => done(false), ms);
              waiters.push(() => {
                clearTimeout(timer);
                done(true);
              });
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A JSON-RPC POST on the MCP endpoint, as an MCP client sends it within a session. */
function rpc(base: string, mcpId: string, key: string, sessionId: string | undefined, body: unknown) {
  return http(base, `/v1/mcps/${mcpId}/mcp`, {
    method: 'POST',
    key,
    body,
    headers: {
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL,
      ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }),
    },
  });
}

// One world (NATS, Postgres schema, key-service) for the whole file; each part adds its gateways.
let world: World;
beforeAll(async () => {
  world = await startWorld('tenants');
});
afterAll(async () => {
  await world.close();
});

describe('the MCP proxy between tenants', () => {
  let gw1: GatewayHandle;
  let gw2: GatewayHandle;
  let mcpUpstream: UpstreamMcp;
  let scripted: ScriptedUpstream;
  let acme: CreatedOrg;
  let admin: CreatedKey;
  let mcp: McpView;
  let hold: McpView;
  let echo: McpView;

  beforeAll(async () => {
    // Two replicas sharing the session secret, as gateways behind one load balancer do; the second
    // believes X-Forwarded-For from loopback (a trusted proxy in front of it).
    gw1 = await world.startGateway({ SESSION_SECRET });
    gw2 = await world.startGateway({ SESSION_SECRET, TRUSTED_PROXIES: '127.0.0.1/32' });
    mcpUpstream = await startUpstreamMcp();
    scripted = await startScriptedUpstream();
    acme = await world.createOrg();
    admin = acme.admin_key;
    mcp = await world.createMcp(actorOf(admin), { upstream_url: mcpUpstream.url });
    hold = await world.createMcp(actorOf(admin), { name: 'Hold', upstream_url: `${scripted.origin}/hold` });
    echo = await world.createMcp(actorOf(admin), { name: 'Echo', upstream_url: `${scripted.origin}/echo` });
  });
  afterAll(async () => {
    await scripted.close();
    await mcpUpstream.close();
  });

  describe('sessions are bound to the key that opened them', () => {
    it('the client gets a signed id, the upstream only its own; any replica accepts it for that key', async () => {
      const key = await world.createKey(actorOf(admin), { permissions: { mcps: [mcp.id] } });
      const transport = new StreamableHTTPClientTransport(new URL(`${gw1.url}/v1/mcps/${mcp.id}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${key.secret}` } },
      });
      const client = new Client({ name: 'tenant-a', version: '1.0.0' });
      await client.connect(transport);
      const sessionId = transport.sessionId!;
      expect(sessionId).toMatch(new RegExp(`^s1\\.${key.key.id}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);

      const upstreamIds = new Set(mcpUpstream.seen.map((h) => h['mcp-session-id']).filter(Boolean));
      expect(upstreamIds.size).toBe(1);
      expect([...upstreamIds][0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(sessionId).not.toContain([...upstreamIds][0]);

      // The other replica verifies the same id without any shared state.
      const onOther = await rpc(gw2.url, mcp.id, key.secret, sessionId, {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/list',
      });
      expect(onOther.status).toBe(200);
      expect(String(onOther.body)).toContain('"echo"');
      expect(onOther.headers.get('mcp-session-id') ?? sessionId).toBe(sessionId);
      await transport.terminateSession();
      await client.close();
    });

    it('another key, a revoked key\u2019s id, a tampered id or the raw upstream id: 404, and the upstream never sees it', async () => {
      const owner = await world.createKey(actorOf(admin), { permissions: { mcps: [mcp.id] } });
      const thief = await world.createKey(actorOf(admin), { permissions: { mcps: [mcp.id] } });
      const init = await rpc(gw1.url, mcp.id, owner.secret, undefined, {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'o', version: '1' } },
      });
      expect(init.status).toBe(200);
      const sessionId = init.headers.get('mcp-session-id')!;
      const rawId = mcpUpstream.seen.length; // requests the upstream has seen so far
      const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
      const upstreamRaw = String(
        mcpUpstream.seen.map((h) => h['mcp-session-id']).find((v) => typeof v === 'string') ?? '',
      );

      const tampered = sessionId.slice(0, -2) + (sessionId.endsWith('AA') ? 'BB' : 'AA');
      const forged = sessionId.replace(owner.key.id, thief.key.id);
      for (const [key, presented] of [
        [thief.secret, sessionId],
        [thief.secret, forged],
        [owner.secret, tampered],
        [owner.secret, upstreamRaw],
        [owner.secret, `${sessionId}, ${sessionId}`],
      ] as const) {
        const res = await rpc(gw2.url, mcp.id, key, presented, list);
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({
          status: 404,
          code: 'not_found',
        });
        expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
      }
      expect(mcpUpstream.seen.length).toBe(rawId);

      // The owner's key is revoked: its session id is worth nothing to any other key either.
      expect(
        (await http(gw1.url, `/v1/keys/${owner.key.id}`, { method: 'DELETE', key: admin.secret })).status,
      ).toBe(200);
      expect((await rpc(gw1.url, mcp.id, owner.secret, sessionId, list)).status).toBe(401);
      expect((await rpc(gw2.url, mcp.id, thief.secret, sessionId, list)).status).toBe(404);
      expect(mcpUpstream.seen.length).toBe(rawId);
    });
  });

  describe('open streams end with the decision that admitted them', () => {
    it('revoking a key closes its open SSE streams on every replica, upstream included; other keys keep theirs', async () => {
      const doomed = await world.createKey(actorOf(admin), { permissions: { mcps: [hold.id] } });
      const bystander = await world.createKey(actorOf(admin), { permissions: { mcps: [hold.id] } });
      const before = scripted.holding.size;
      const s1 = await openStream(gw1.url, hold.id, doomed.secret);
      const s2 = await openStream(gw2.url, hold.id, doomed.secret);
      const other = await openStream(gw1.url, hold.id, bystander.secret);
      expect([s1.status, s2.status, other.status]).toEqual([200, 200, 200]);
      await scripted.waitHolding(before + 3);

      const revoked = await http(gw1.url, `/v1/keys/${doomed.key.id}`, {
        method: 'DELETE',
        key: admin.secret,
      });
      expect(revoked.status).toBe(200);
      expect(await s1.endsWithin(2_000)).toBe(true);
      expect(await s2.endsWithin(2_000)).toBe(true);
      await scripted.waitHolding(before + 1);
      expect(await other.endsWithin(300)).toBe(false);
      other.close();
      await scripted.waitHolding(before);
    });

    it('changing a key, suspending its organization or changing the MCP closes the streams too', async () => {
      const org = await world.createOrg({ name: 'Suspended Soon' });
      const orgHold = await world.createMcp(actorOf(org.admin_key), {
        name: 'Hold',
        upstream_url: `${scripted.origin}/hold`,
      });
      const k1 = await world.createKey(actorOf(org.admin_key), { permissions: { mcps: [orgHold.id] } });
      const k2 = await world.createKey(actorOf(org.admin_key), { permissions: { mcps: [orgHold.id] } });
      const before = scripted.holding.size;

      const changed = await openStream(gw1.url, orgHold.id, k1.secret);
      expect(changed.status).toBe(200);
      await scripted.waitHolding(before + 1);
      const patch = await http(gw1.url, `/v1/keys/${k1.key.id}`, {
        method: 'PATCH',
        key: org.admin_key.secret,
        body: { name: 'Renamed' },
      });
      expect(patch.status).toBe(200);
      expect(await changed.endsWithin(2_000)).toBe(true);

      const onMcp = await openStream(gw2.url, orgHold.id, k1.secret);
      expect(onMcp.status).toBe(200);
      const renamed = await http(gw1.url, `/v1/mcps/${orgHold.id}`, {
        method: 'PATCH',
        key: org.admin_key.secret,
        body: { name: 'Hold 2' },
      });
      expect(renamed.status).toBe(200);
      expect(await onMcp.endsWithin(2_000)).toBe(true);

      const a = await openStream(gw1.url, orgHold.id, k1.secret);
      const b = await openStream(gw2.url, orgHold.id, k2.secret);
      const elsewhere = await openStream(gw1.url, hold.id, admin.secret);
      expect([a.status, b.status, elsewhere.status]).toEqual([200, 200, 200]);
      await world.suspendOrg(org.organization.id);
      expect(await a.endsWithin(2_000)).toBe(true);
      expect(await b.endsWithin(2_000)).toBe(true);
      expect(await elsewhere.endsWithin(300)).toBe(false);
      elsewhere.close();
      await scripted.waitHolding(before);
    });
  });

  describe('forwarding headers', () => {
    it('the upstream gets the client address the gateway resolved, never the client\u2019s claims', async () => {
      const spoof = {
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'gopher',
        forwarded: 'for=6.6.6.6;proto=https',
        'x-real-ip': '6.6.6.6',
        'true-client-ip': '6.6.6.6',
      };
      const res = await http(gw1.url, `/v1/mcps/${echo.id}/mcp`, {
        method: 'POST',
        key: admin.secret,
        body: { jsonrpc: '2.0', id: 1, method: 'ping' },
        headers: spoof,
      });
      expect(res.status).toBe(200);
      const host = new URL(gw1.url).host;
      const seen = scripted.seen.at(-1)!.headers;
      expect(seen['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen['x-forwarded-proto']).toBe('http');
      expect(seen['x-forwarded-host']).toBe(host);
      expect(seen.forwarded).toBe(`for=127.0.0.1;host="${host}";proto=http`);
      expect(seen['x-real-ip']).toBeUndefined();
      expect(seen['true-client-ip']).toBeUndefined();

      // Behind a trusted proxy (gw2 trusts loopback) the client is the address that proxy saw.
      const proxied = await http(gw2.url, `/v1/mcps/${echo.id}/mcp`, {
        method: 'POST',
        key: admin.secret,
        body: { jsonrpc: '2.0', id: 1, method: 'ping' },
        headers: { 'x-forwarded-for': '6.6.6.6, 198.51.100.9' },
      });
      expect(proxied.status).toBe(200);
      const behind = scripted.seen.at(-1)!.headers;
      expect(behind['x-forwarded-for']).toBe('198.51.100.9');
      expect(behind.forwarded).toMatch(/^for=198\.51\.100\.9;/);
    });

    it('upstream response headers never override the gateway\u2019s security headers, set cookies or redirect the origin', async () => {
      const res = await http(gw1.url, `/v1/mcps/${echo.id}/mcp`, {
        method: 'POST',
        key: admin.secret,
        body: { jsonrpc: '2.0', id: 1, method: 'ping' },
      });
      expect(res.status).toBe(200);
      const own = await http(gw1.url, '/healthz');
      for (const name of [
        'x-frame-options',
        'content-security-policy',
        'strict-transport-security',
        'x-content-type-options',
      ]) {
        expect([name, res.headers.get(name)]).toEqual([name, own.headers.get(name)]);
        expect(res.headers.get(name)).not.toBe(HOSTILE_RESPONSE_HEADERS[name]);
      }
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('alt-svc')).toBeNull();
      expect(res.headers.get('clear-site-data')).toBeNull();
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      expect(res.headers.get('mcp-session-id')).toMatch(new RegExp(`^s1\\.${admin.key.id}\\.`));
    });
  });
});

describe('fair shares of a shared upstream, and a deadline that fires while queued', () => {
  let scripted: ScriptedUpstream;
  let orgA: CreatedOrg;
  let orgB: CreatedOrg;
  let holdA: McpView;
  let jsonB: McpView;
  let holdB: McpView;
  let silentB: McpView;

  beforeAll(async () => {
    scripted = await startScriptedUpstream();
    orgA = await world.createOrg({ name: 'Greedy' });
    orgB = await world.createOrg({ name: 'Patient' });
    // Every MCP here is on one upstream origin, so they share one connection pool.
    holdA = await world.createMcp(actorOf(orgA.admin_key), {
      name: 'A',
      upstream_url: `${scripted.origin}/hold`,
    });
    jsonB = await world.createMcp(actorOf(orgB.admin_key), {
      name: 'B',
      upstream_url: `${scripted.origin}/json`,
    });
    holdB = await world.createMcp(actorOf(orgB.admin_key), {
      name: 'BH',
      upstream_url: `${scripted.origin}/hold`,
    });
    silentB = await world.createMcp(actorOf(orgB.admin_key), {
      name: 'BS',
      upstream_url: `${scripted.origin}/silent`,
    });
  });
  afterAll(async () => {
    await scripted.close();
  });

  const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

  it('one organization holding long streams cannot take the pool: its extra requests get 429, another organization still gets through', async () => {
    const gateway = await world.startGateway({
      UPSTREAM_CONNECTIONS: '3',
      UPSTREAM_CONNECTIONS_PER_ORG: '2',
      UPSTREAM_CONNECTIONS_PER_KEY: '1',
      UPSTREAM_TIMEOUT_MS: '5000',
    });
    const a1 = await world.createKey(actorOf(orgA.admin_key));
    const a2 = await world.createKey(actorOf(orgA.admin_key));
    const a3 = await world.createKey(actorOf(orgA.admin_key));
    const before = scripted.holding.size;

    const first = await openStream(gateway.url, holdA.id, a1.secret);
    expect(first.status).toBe(200);
    // Per key: a1 already holds its one place.
    const sameKey = await http(gateway.url, `/v1/mcps/${holdA.id}/mcp`, { key: a1.secret });
    expect({ status: sameKey.status, code: sameKey.body.error?.code }).toEqual({
      status: 429,
      code: 'rate_limited',
    });
    expect(sameKey.headers.get('retry-after')).toBe('1');
    const second = await openStream(gateway.url, holdA.id, a2.secret);
    expect(second.status).toBe(200);
    // Per organization: A holds its two places; a third key of A is refused at once.
    const third = await http(gateway.url, `/v1/mcps/${holdA.id}/mcp`, { key: a3.secret });
    expect({ status: third.status, code: third.body.error?.code }).toEqual({
      status: 429,
      code: 'rate_limited',
    });
    expect(third.body.error.message).toMatch(/organization/);
    await scripted.waitHolding(before + 2);

    // Organization B still gets a connection, promptly.
    const started = Date.now();
    const b = await http(gateway.url, `/v1/mcps/${jsonB.id}/mcp`, {
      method: 'POST',
      key: orgB.admin_key.secret,
      body: ping,
    });
    expect(b.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);

    // Places are given back when streams end.
    first.close();
    second.close();
    await scripted.waitHolding(before);
    const again = await openStream(gateway.url, holdA.id, a3.secret);
    expect(again.status).toBe(200);
    again.close();
    await scripted.waitHolding(before);
  });

  it('a request that cannot get a connection gets 504 upstream_timeout within UPSTREAM_TIMEOUT_MS instead of hanging', async () => {
    const gateway = await world.startGateway({
      UPSTREAM_CONNECTIONS: '1',
      UPSTREAM_TIMEOUT_MS: '600',
    });
    const before = scripted.holding.size;
    // B's own stream holds the only connection of the pool.
    const holder = await openStream(gateway.url, holdB.id, orgB.admin_key.secret);
    expect(holder.status).toBe(200);
    await scripted.waitHolding(before + 1);

    const started = Date.now();
    const queued = await http(gateway.url, `/v1/mcps/${holdA.id}/mcp`, {
      method: 'POST',
      key: orgA.admin_key.secret,
      body: ping,
    });
    const elapsed = Date.now() - started;
    expect({ status: queued.status, code: queued.body.error?.code }).toEqual({
      status: 504,
      code: 'upstream_timeout',
    });
    expect(queued.body.error.request_id).toBe(queued.headers.get('x-request-id'));
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(3_000);
    holder.close();
    await scripted.waitHolding(before);

    // The pool is usable again, and a silent upstream is 504 as well.
    const silent = await http(gateway.url, `/v1/mcps/${silentB.id}/mcp`, {
      method: 'POST',
      key: orgB.admin_key.secret,
      body: ping,
    });
    expect(silent.status).toBe(504);
    const ok = await http(gateway.url, `/v1/mcps/${jsonB.id}/mcp`, {
      method: 'POST',
      key: orgB.admin_key.secret,
      body: ping,
    });
    expect(ok.status).toBe(200);
  });
});
